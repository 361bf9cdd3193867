"""The explicit character set of the text env, and the normalisation that maps text into it."""

from __future__ import annotations

import string
import unicodedata

# Every character the tasks use after normalisation: printable ASCII letters, digits, punctuation, space, newline.
CHARSET: str = string.ascii_letters + string.digits + string.punctuation + " \n"
_ALLOWED = frozenset(CHARSET)
_REPLACEMENTS = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u2026": "...", "\u00a0": " ", "\t": " ", "\r": "", "\u00d7": "x", "\u00b0": " degrees",
})  # fmt: skip


def to_charset(text: str) -> tuple[str, str]:
    """Map ``text`` into :data:`CHARSET`: typographic punctuation to ASCII, accents stripped (``é`` → ``e``).

    Returns the normalised text and the characters that had no ASCII form and were dropped (e.g. emoji).
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if all(c in _ALLOWED for c in text):
        return text, ""
    decomposed = unicodedata.normalize("NFKD", text.translate(_REPLACEMENTS))
    kept: list[str] = []
    dropped: list[str] = []
    for char in decomposed:
        if char in _ALLOWED:
            kept.append(char)
        elif not unicodedata.combining(char):
            dropped.append(char)
    return "".join(kept), "".join(dict.fromkeys(dropped))
