"""The role ladder shared by API keys and staff users: each role may do everything the roles before it may."""

ROLES = ("intake", "billing", "admin")


def has_role(granted: str, needed: str) -> bool:
    return ROLES.index(granted) >= ROLES.index(needed)
