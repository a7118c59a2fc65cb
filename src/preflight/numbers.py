"""Numbers read from templates, safely: the one place where text or floats become integers.

Template values are hostile until proven otherwise: ``'²'.isdigit()`` is true but ``int('²')`` fails, ``int()`` of
a run of more than 4,300 digits raises, ``int(1e999)`` overflows. Every integer a check or the resolver needs goes
through ``as_int`` (or ``is_digits``), which answers None for anything that is not a plain integer of a sane size.
"""

from __future__ import annotations

import math
from typing import Any

# No CloudFormation property, quota or intrinsic argument is an integer of more than 19 digits (a Java long);
# longer runs are kept as text (the loader) or treated as "not an integer" (here).
MAX_DIGITS = 19


def is_digits(text: str, max_digits: int = MAX_DIGITS) -> bool:
    """ASCII decimal digits only (``str.isdigit`` also accepts '²' and other scripts' digits), at most
    ``max_digits`` of them."""
    return 0 < len(text) <= max_digits and text.isascii() and text.isdigit()


def as_int(value: Any, max_digits: int = MAX_DIGITS) -> int | None:
    """The integer ``value`` denotes: an int, an integral finite float, or a string of ASCII digits with an
    optional sign and surrounding blanks. None for anything else (booleans, '1.5', '²', '1e999', inf, huge)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) < 10**max_digits else None
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer() or abs(value) >= 10.0**max_digits:
            return None
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in ("+", "-") else text
        if not is_digits(digits, max_digits):
            return None
        return int(text)
    return None


def json_number(text: str, is_float: bool) -> int | float | str:
    """A JSON number as the loaders keep it: an int, a finite float, or, when Python cannot hold it faithfully
    (1e999 overflows to inf, int() refuses more than 4,300 digits), the text as written: a value no check can
    mistake for a number, with no traceback."""
    try:
        number = float(text) if is_float else int(text)
    except ValueError:
        return text
    return number if not is_float or math.isfinite(number) else text
