"""A webhook body read as JSON, within bounds every connector relies on. Pure: no I/O.

A signed body is still input: a tool, a misconfigured script or a leaked secret can send anything. So a
body is JSON only if it is UTF-8 (what every tool sends), nests no deeper than MAX_DEPTH (deeper
would exhaust the parser's or a later reader's recursion), holds no NaN or Infinity, and its text is
storable everywhere: no lone surrogate (not encodable in UTF-8) and no NUL (PostgreSQL text refuses it).
Anything else raises MalformedBody, whose message is the one reason the sender is told.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 32  # a help-desk delivery nests about 6 deep (an ADF comment body a little more)


class MalformedBody(ValueError):
    """The body is not JSON Baton reads; the message says why, in one line."""


def _no_constant(name: str) -> Any:
    raise MalformedBody(f"{name} is not a JSON number")


def load(body: bytes) -> Any:
    """The body's JSON value, or MalformedBody."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedBody("the body is not UTF-8 text") from None
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except MalformedBody:
        raise
    except RecursionError:
        raise MalformedBody(f"the body nests deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as error:
        raise MalformedBody(f"the body is not JSON ({error.msg} at character {error.pos})") from None
    except ValueError as error:  # an integer of more digits than Python converts
        raise MalformedBody(f"the body holds a number Baton does not read: {str(error)[:80]}") from None
    # A lone surrogate or a NUL can only be written as a \u escape: text without one needs no look. Nothing nests
    # deeper than the text has brackets: a delivery has a handful, so most need no walk at all (a tenth of the
    # receiver's time went to walking every value).
    escaped = "\\u" in text
    if escaped or text.count("{") + text.count("[") > MAX_DEPTH:
        _check(value, escaped)
    return value


def _finite(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):  # 1e999: Python reads it as infinity
        raise MalformedBody("the body holds a number too large to read")
    return value


def _check(root: Any, escaped: bool) -> None:
    """Depth and (if escaped) text of every value, without recursion (the value may be deep)."""
    stack = [(root, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise MalformedBody(f"the body nests deeper than {MAX_DEPTH} levels")
            if isinstance(value, dict):
                for key, item in value.items():
                    if escaped:
                        _check_text(key)
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)
        elif escaped and isinstance(value, str):
            _check_text(value)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise MalformedBody("the body's text holds a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedBody("the body's text holds a lone surrogate (\\ud800-\\udfff), not Unicode text") from None
