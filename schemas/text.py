"""Free text in requests: refused when it holds what no store can keep. PostgreSQL text cannot hold a
NUL character, and a lone surrogate (`"\\ud800"`, which JSON can spell) is no character at all: UTF-8
cannot encode it, so it would surface as a 500 at the first insert or the first time the answer is written."""

from collections.abc import Mapping

import orjson
from marshmallow import Schema, ValidationError, pre_load

NUL_MESSAGE = "Must not contain a NUL (\\u0000) character."
SURROGATE_MESSAGE = "Must not contain a lone surrogate (\\ud800-\\udfff): that is not a character."


def _problem(text: str) -> str | None:
    if "\x00" in text:
        return NUL_MESSAGE
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return SURROGATE_MESSAGE
    return None


def _surely_storable(value) -> bool:
    """True when nothing in `value` can be unstorable, found at C speed: orjson refuses to write a lone
    surrogate and writes a NUL as \\u0000. False means "walk it" (a NUL, or text spelling one; a value
    orjson cannot write)."""
    try:
        return b"\\u0000" not in orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError is one
        return False


def _unstorable(value, path=""):
    """(path, message) for every string in `value` that cannot be stored; keys are checked as well as values."""
    if isinstance(value, str):
        if problem := _problem(value):
            yield path or "body", problem
    elif isinstance(value, Mapping):
        for key, item in value.items():
            key_path = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and (problem := _problem(key)):
                yield path or "body", problem
                continue
            yield from _unstorable(item, key_path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unstorable(item, f"{path}.{index}" if path else str(index))


class StorableTextSchema(Schema):
    """A schema whose input, at any depth, holds no NUL character and no lone surrogate."""

    @pre_load
    def refuse_unstorable_text(self, data, **kwargs):
        if type(data) is dict and _surely_storable(data):
            return data
        if bad := dict(sorted(set(_unstorable(data)))):
            raise ValidationError({path: [message] for path, message in bad.items()})
        return data
