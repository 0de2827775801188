"""Reading a JSON request body: whatever is not JSON, or nests deeper than any request can, is a 400
naming the body; what is JSON but holds a bad value reaches the schema, which names the field.

orjson reads almost every body. What it refuses the json module may still read: NaN and Infinity as
Python writes them, a lone surrogate, an integer too long to convert. Such values go on to the
schema (an integer of more than 4,300 digits becomes infinity, which every number field refuses)
instead of failing as a 500 somewhere later.
"""

import json

import orjson

from service.errors import reject

# A verification request nests 5 levels deep (a batch's list of them, 6): 32 leaves room, and nothing
# deeper ever reaches code that walks the body recursively.
MAX_DEPTH = 32
# Python refuses to convert integers of more digits than this (sys.get_int_max_str_digits).
MAX_INT_DIGITS = 4300


def loads(raw: bytes):
    """The body's JSON value; a 400 in the contract's shape when it is not JSON or nests too deeply."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        value = _lenient(raw)
    # Every list or object opens with a bracket of the text, so a body with few brackets is not walked.
    if raw.count(b"{") + raw.count(b"[") > MAX_DEPTH and _deeper_than(value, MAX_DEPTH):
        _too_deep()
    return value


def _too_deep():
    reject(400, f"The body nests deeper than {MAX_DEPTH} levels.", fields={"body": [f"At most {MAX_DEPTH} levels."]})


def _integer(digits: str):
    return int(digits) if len(digits.lstrip("-")) <= MAX_INT_DIGITS else float("-inf" if digits[0] == "-" else "inf")


def _lenient(raw: bytes):
    try:
        return json.loads(raw, parse_int=_integer)
    except RecursionError:
        _too_deep()
    except (ValueError, UnicodeDecodeError):  # JSONDecodeError is a ValueError
        reject(400, "The body is not valid JSON.", fields={"body": ["Not valid JSON."]})


def _deeper_than(value, limit: int) -> bool:
    """Whether `value` nests lists and objects more than `limit` levels deep (walked without recursion)."""
    if not isinstance(value, (dict, list)):
        return False
    stack = [(value, 1)]
    while stack:
        container, depth = stack.pop()
        if depth > limit:
            return True
        children = container.values() if isinstance(container, dict) else container
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
