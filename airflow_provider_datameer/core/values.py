"""How a value written by a user or sent by a server is read: whole numbers, seconds and JSON text, once each.

Every id, port, count, length and duration in the provider goes through :func:`whole_number` or
:func:`seconds`, so "is ``"30"`` a number?" has one answer everywhere, and every extra that may be given as JSON
text through :func:`decoded_json`. They only read; the caller checks the range and words the error.
"""

from __future__ import annotations

import json
import math
from datetime import timedelta

#: The most digits a whole number may have: 18 always fits a signed 64-bit integer (what Datameer's Java ids,
#: Airflow's database columns and JSON readers take); longer digit strings are refused, not truncated.
MAX_DIGITS = 18
_LIMIT = 10**MAX_DIGITS


def whole_number(value: object) -> int | None:
    """``value`` as an ``int`` when it is one, or digits 0-9 (a digit string, white space around it allowed),
    at most :data:`MAX_DIGITS` long; ``None`` for anything else (``bool``, signs, other digits, floats, and
    ints of more than :data:`MAX_DIGITS` digits, which Airflow's serialisers and databases cannot hold)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if -_LIMIT < value < _LIMIT else None
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


def decoded_json(value: object) -> object:
    """``value`` decoded when it is JSON text (URI-form connection extras are text), else ``value`` itself.

    ``ValueError`` with the decoder's reason when the text is not JSON; the reason never quotes the text,
    which may hold a secret.
    """
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except ValueError as exc:
        raise ValueError(str(exc)) from None
