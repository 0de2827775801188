"""Free text in requests: refused when it holds a NUL character, which PostgreSQL text cannot store
(it would otherwise surface as a 500 at the first query or insert)."""

from collections.abc import Mapping

from marshmallow import Schema, ValidationError, pre_load

NUL_MESSAGE = "Must not contain a NUL (\\u0000) character."


def _paths_with_nul(value, path=""):
    if isinstance(value, str):
        if "\x00" in value:
            yield path or "body"
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _paths_with_nul(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths_with_nul(item, f"{path}.{index}" if path else str(index))


class NulFreeSchema(Schema):
    """A schema whose input, at any depth, holds no NUL character."""

    @pre_load
    def refuse_nul(self, data, **kwargs):
        if bad := sorted(set(_paths_with_nul(data))):
            raise ValidationError({path: [NUL_MESSAGE] for path in bad})
        return data
