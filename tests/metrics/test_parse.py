from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.parse import Parse, count_bullets, count_word_chunks, find_hashtags, sentence_spans


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


def test_parse_parts_are_kept_on_the_instance_and_documented_on_the_class() -> None:
    parse = Parse("1. Kai posted a 17.10.")
    assert "numbers" not in vars(parse)
    first = parse.numbers
    assert vars(parse)["numbers"] is first  # stored once; later reads find the instance's value first
    assert Parse.numbers.__doc__ and "Number mentions" in Parse.numbers.__doc__  # help() and docs still see it


# count_bullets as first written, with one "(?m)^" regex: the specification the faster two-regex version must meet.
_BULLET_SPEC = re.compile(r"(?m)^[ \t]*(?:\*\*|__)?\d{1,3}[.)](?:\*\*|__)?[ \t]+\S")
_PIECES = ["1.", "2)", "12.", "1234.", "**", "__", " ", "  ", "\t", "\n", "\r\n", "\r", "Kai", "x", ".", ")", "-"]


@pytest.mark.parametrize(
    ("text", "bullets"),
    [
        ("1. Kai\n2. Leo", 2),  # the first line's bullet is matched at the text's start, the next after its "\n"
        ("Intro\n 1. Kai\n\t2) Leo\n**3.** Mia", 3),  # indented, ")" style, bold
        ("1.\n2. Leo", 1),  # a marker with nothing after it on its line is not a bullet
        ("Kai 1. Leo", 0),  # not at a line start
        ("1234. Kai", 0),  # four digits are not a marker
    ],
)
def test_count_bullets(text: str, bullets: int) -> None:
    assert count_bullets(text) == bullets


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_count_bullets_matches_the_single_regex_specification(text: str) -> None:
    assert count_bullets(text) == len(_BULLET_SPEC.findall(text))


# The plain definitions the fast paths must equal: a word chunk holds a character of the class [^\W_]; a hashtag is a
# "#" not preceded by a word character, "#", "&" or "/", then a name.
_WORD_CHUNK_SPEC = re.compile(r"[^\W_]")
_HASHTAG_SPEC = re.compile(r"(?<![\w#&/])#([A-Za-z_]\w*)")
_CHUNK_TEXT = st.text(alphabet=st.sampled_from([chr(i) for i in range(128)] + ["é", "\u2019", "\u00a0", "٣", "_"]),
                      max_size=60)


@pytest.mark.parametrize(
    ("text", "chunks"),
    [
        ("1. Kai posted 17.10 - a heat win!", 7),  # "-" holds no letter or digit; the marker "1." does
        ("#WSL #1 -- ...", 2),  # hashtags are chunks with letters or digits
        ("_ __ a_b", 1),  # "_" is no letter or digit
        ("café — ok", 2),  # non-ASCII text takes the regex path
        ("", 0),
    ],
)
def test_count_word_chunks(text: str, chunks: int) -> None:
    assert count_word_chunks(text) == chunks


@settings(max_examples=600, deadline=None)
@given(_CHUNK_TEXT)
def test_count_word_chunks_matches_the_plain_definition(text: str) -> None:
    assert count_word_chunks(text) == sum(1 for chunk in text.split() if _WORD_CHUNK_SPEC.search(chunk))


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(["#", "a", "Z", "_", "1", " ", "&", "/", "\n", "é", "-"]), max_size=30).map("".join))
def test_find_hashtags_matches_the_plain_definition(text: str) -> None:
    assert find_hashtags(text) == _HASHTAG_SPEC.findall(text)
