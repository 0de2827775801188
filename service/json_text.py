"""The text of JSON columns: orjson for values, and JSON already serialized (a cached result, as Redis
holds it) stored as it is, so a cache hit's result is never parsed and written out again."""

import orjson


class SerializedJSON(str):
    """Text that is already JSON: a JSON column stores it unchanged."""

    __slots__ = ()


def dumps(value) -> str:
    return value if isinstance(value, SerializedJSON) else orjson.dumps(value).decode()
