"""Scraped text on its way to a terminal or to JSON.

Labels, lags and URLs come from web pages (and from whatever else wrote the
database). On a terminal, Rich markup in them must print as written and
control characters (escape sequences, bidi overrides, BEL, NUL, newlines)
must not act: they are shown as visible escapes. In JSON they stay exact,
but every control or format character is \\u-escaped, so the output is valid
JSON that is also safe to `cat`.
"""

from __future__ import annotations

import json
import unicodedata

_UNSAFE = ("Cc", "Cf", "Zl", "Zp")  # controls, format (bidi, zero-width), line breaks


def _unsafe(ch: str) -> bool:
    return unicodedata.category(ch) in _UNSAFE


def _visible(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def terminal(text: object) -> str:
    """Text for a Rich console: control characters visible, markup escaped."""
    from rich.markup import escape

    return escape("".join(_visible(ch) if _unsafe(ch) else ch for ch in str(text)))


def _json_escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as JSON spells characters beyond the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def dumps(obj) -> str:
    """Readable JSON (Japanese as is) with every unsafe character escaped."""
    text = json.dumps(obj, ensure_ascii=False, indent=2)
    # json.dumps escapes \x00-\x1f inside strings, so a raw "\n" is indentation;
    # anything else unsafe can only be inside a string, where \u-escapes are valid.
    return "".join(_json_escape(ch) if ch != "\n" and _unsafe(ch) else ch for ch in text)
