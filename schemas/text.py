"""Free text in requests: refused when it holds what no store can keep. PostgreSQL text cannot hold a
NUL character, and a lone surrogate (`"\\ud800"`, which JSON can spell) is no character at all: UTF-8
cannot encode it, so it would surface as a 500 at the first insert or the first time the answer is written."""

from collections.abc import Mapping

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
        if bad := dict(sorted(set(_unstorable(data)))):
            raise ValidationError({path: [message] for path, message in bad.items()})
        return data
