from __future__ import annotations

import pytest

from metrics.parse import Parse, sentence_spans


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Kai is ranked No. 3 with 55,045 points. He won 16 of 23 heats.",  # "No." is not an end
         ["Kai is ranked No. 3 with 55,045 points.", "He won 16 of 23 heats."]),
        ("1. Kai 17.10 def. Leo 13.65; Leo 7.15.", ["1. Kai 17.10 def. Leo 13.65", "Leo 7.15."]),  # bullet, "def.", ";"
        ("T. Lowe posted 16.37 | 36 surfers | 60 heats", ["T. Lowe posted 16.37", "36 surfers", "60 heats"]),
        ("There were 17 excellent scores (8.00 or better). The highest",  # decimals never end a sentence
         ["There were 17 excellent scores (8.00 or better).", "The highest"]),
        ("He is No. 1! Wow.", ["He is No. 1!", "Wow."]),
        ("  12. Kai posted 9. Then x.", ["12. Kai posted 9.", "Then x."]),  # an indented bullet marker
        ("", []),
    ],
)
def test_sentence_spans(text: str, sentences: list[str]) -> None:
    assert [text[a:b] for a, b in sentence_spans(text)] == sentences


def test_parse_parts_are_computed_once() -> None:
    parse = Parse("Kai Moana takes Heat 3!\n1. Kai posted a 17.10.\n2. Leo answered with 13.65.\n#WSL #Surf")
    assert parse.bullets == 2 and parse.hashtags == ["WSL", "Surf"]
    assert [m.text for m in parse.numbers] == ["3", "17.10", "13.65"]  # bullet markers are not numbers
    assert parse.words == 15 and parse.refusal.kind == "none"  # bullet markers are not words
    assert parse.numbers is parse.numbers  # cached
