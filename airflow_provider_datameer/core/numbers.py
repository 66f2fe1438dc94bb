"""How a number written by a user or sent by a server is read: whole numbers and seconds, once each.

Every id, port, count, length and duration in the provider goes through these two functions, so "is ``"30"``
a number?" has one answer everywhere. They only read; the caller checks the range and words the error.
"""

from __future__ import annotations

import math
from datetime import timedelta

#: The most digits a whole number may have: 18 always fits a signed 64-bit integer (what Datameer's Java ids,
#: Airflow's database columns and JSON readers take); longer digit strings are refused, not truncated.
MAX_DIGITS = 18


def whole_number(value: object) -> int | None:
    """``value`` as an ``int`` when it is one, or digits 0-9 (a digit string, white space around it allowed),
    at most :data:`MAX_DIGITS` long; ``None`` for anything else (``bool``, signs, other digits, floats)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip() if isinstance(value, str) else ""
    return int(text) if 0 < len(text) <= MAX_DIGITS and text.isascii() and text.isdigit() else None


def seconds(value: object, *, text: bool = False) -> float | None:
    """``value`` as finite seconds: a number or a ``timedelta`` (and, with ``text``, a string such as ``"30"``,
    as URI-form connection extras and command lines give them); ``None`` for anything else."""
    if isinstance(value, timedelta):
        value = value.total_seconds()
    elif text and isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int beyond float's range
        return None
    return number if math.isfinite(number) else None
