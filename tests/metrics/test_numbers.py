from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.numbers import SCALE, NumberSupport, _marker_starts, extract_numbers, number_support


def values(text: str, **kw: object) -> list[float]:
    return [m.value for m in extract_numbers(text, **kw)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("scored 17.10 and 8.00", [17.10, 8.0]),  # plain decimals
        ("18,720 fans", [18720.0]),  # thousands separator
        ("18.72k views", [18720.0]),  # k suffix
        ("1.2 million views", [1_200_000.0]),  # written multiplier
        ("42.5% of waves", [42.5]),  # percent sign: the number is 42.5
        ("42.5 percent of waves", [42.5]),  # percent word: same number
        ("a \u22123.45 swing", [-3.45]),  # Unicode minus is a minus sign
        ("won 17.10\u201313.65", [17.10, 13.65]),  # en dash between numbers is a range, not a minus
        ("a 3-2 win", [3.0, 2.0]),  # hyphen between numbers is not a minus
        ("finished 3rd", [3.0]),  # digit ordinal
        ("three waves", [3.0]),  # written cardinal
        ("twenty-one points", [21.0]),  # hyphenated written cardinal
        ("thirteen thousand two hundred sixty points", [13_260.0]),  # thousands, hundreds and the rest: one number
        ("twelve thousand four hundred", [12_400.0]),
        ("nine thousand and five", [9_005.0]),
        ("one of the best", []),  # "one" in a response is mostly a pronoun
        ("his two-wave total", []),  # surf jargon, not a claim
        ("#WSL2026 #1", []),  # hashtags carry no numbers
        ("seeded R16 and QF2", []),  # ids glued to letters are not numbers
        ("version v1.2.3", []),  # digits after a decimal point or a letter are not separate numbers
        ("1. First bullet\n2) Second bullet", []),  # bullet markers in both styles are skipped
        ("  - 3. nested bullet", []),  # a numbered marker after a dash bullet is still a marker
        ("Heat 3 of the Round of 16", [3.0, 16.0]),  # numbers inside names count
        ("caught 9 waves.", [9.0]),  # a sentence-final full stop is not a decimal point
        ("", []),  # empty text
    ],
)
def test_extract_numbers(text: str, expected: list[float]) -> None:
    assert values(text) == pytest.approx(expected)


def test_context_reads_written_ordinals_and_one() -> None:
    # a context's "third" and "one" support a response's "3rd" and "1"
    assert values("third place, one wave", context=True) == [3.0, 1.0]


def test_precision_shown_is_kept() -> None:
    # 8.50 is shown to the hundredth, 8.5 to the tenth, 18.72k to the nearest ten
    (a,), (b,), (c,) = (extract_numbers(t) for t in ("8.50", "8.5", "18.72k"))
    assert a.readings == ((85000, 100),)
    assert b.readings == ((85000, 1000),)
    assert c.readings == ((187_200_000, 100_000),)


def test_m_suffix_is_ambiguous() -> None:
    # "2m" may be two million or two metres; both readings are kept
    (mention,) = extract_numbers("a 2m wave")
    assert {v for v, _ in mention.readings} == {2_000_000 * SCALE, 2 * SCALE}


def test_extract_numbers_rejects_non_strings() -> None:
    with pytest.raises(TypeError, match="str"):
        extract_numbers(17.1)  # type: ignore[arg-type]


CONTEXT = "Kai scored 17.10 (9.10 and 8.00); Leo scored 13.65. Crowd: 18,720. Kai caught nine waves."


@pytest.mark.parametrize(
    ("response", "supported"),
    [
        ("17.10", True),  # a context number
        ("17.1", True),  # trailing zeros do not matter
        ("17.100", True),  # nor do extra ones
        ("17", True),  # a context number rounded to the precision shown
        ("3.45", True),  # a difference of two context numbers (the winning margin)
        ("30.75", True),  # a sum of two context numbers
        ("34.20", False),  # a number doubled is not the sum of two context numbers
        ("3.5", False),  # a difference rounded more coarsely than its operands is not support
        ("18.72k", True),  # the crowd, with a k suffix
        ("18,720", True),  # the crowd, as written
        ("18.8k", False),  # a different crowd
        ("9", True),  # "nine" in the context supports 9
        ("12.34", False),  # invented
    ],
)
def test_support(response: str, supported: bool) -> None:
    support = number_support(CONTEXT)
    (mention,) = extract_numbers(response)
    assert support.supports(mention) is supported


def test_instruction_numbers_are_supported_but_not_context() -> None:
    # a year named in the instruction may be repeated, but it is not one of the context's numbers
    support = number_support("Kai scored 17.10.", "Who wins in 2027?")
    (mention,) = extract_numbers("2027")
    assert support.supports(mention) and not support.in_context(mention)


def test_number_support_is_cached_per_context() -> None:
    assert number_support(CONTEXT) is number_support(CONTEXT)
    assert isinstance(number_support(CONTEXT), NumberSupport)


# Property tests: every way of writing the same number normalises to the same value.
cents = st.integers(min_value=0, max_value=99_999_999)


def _forms(value_cents: int) -> list[str]:
    d = Decimal(value_cents) / 100
    plain = f"{d:.2f}"
    forms = [plain, f"{d:,.2f}", plain + "0", f"{d:.2f}%", f"{d:.2f} percent"]
    if value_cents % 100 == 0:
        forms.append(f"{d:.0f}")
    if value_cents % 1000 == 0:
        forms.append(f"{d:.1f}")
    return forms


@settings(max_examples=200, deadline=None)
@given(cents)
def test_round_trip_number_forms(value_cents: int) -> None:
    expected = value_cents * SCALE // 100
    for form in _forms(value_cents):
        mentions = extract_numbers(f"the figure was {form} today")
        assert [m.readings[0][0] for m in mentions] == [expected], form


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=999_999))
def test_round_trip_k_suffix(thousandths: int) -> None:
    # "12.345k" == "12,345": the k suffix multiplies by a thousand, exactly
    k_form = f"{Decimal(thousandths) / 1000}k"
    (k_mention,) = extract_numbers(k_form)
    (plain,) = extract_numbers(f"{thousandths:,}")
    assert k_mention.readings[0][0] == plain.readings[0][0]


@settings(max_examples=200, deadline=None)
@given(cents, st.sampled_from(["-", "\u2212"]))
def test_round_trip_minus_signs(value_cents: int, minus: str) -> None:
    # ASCII and Unicode minus give the same signed value
    text = f"swing of {minus}{Decimal(value_cents) / 100:.2f}"
    (mention,) = extract_numbers(text)
    assert mention.negative and mention.readings[0][0] == value_cents * SCALE // 100


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_extract_numbers_never_raises(text: str) -> None:
    for mention in extract_numbers(text):
        assert mention.readings and all(q >= 1 for _, q in mention.readings)


@pytest.mark.parametrize("digits", [4299, 4300, 4301, 100_000])
def test_a_run_of_thousands_of_digits_is_read_without_raising(digits: int) -> None:
    # Python refuses int() of over 4,300 digits and a float above ~1.8e308: such a run is read by its first 64
    # digits with its size capped, so its value stays a finite float and it matches no figure of a context
    (mention,) = extract_numbers("a heat total of " + "9" * digits)
    assert 1e280 < mention.value < 1e300
    assert not number_support("Kai Moana 17.10 beat Leo Santos 13.65.").supports(mention)


def test_leading_zeros_and_long_decimals_keep_their_value() -> None:
    assert extract_numbers("0" * 5000 + "17.10")[0].value == pytest.approx(17.10)
    assert extract_numbers("0." + "0" * 5000 + "1")[0].value == 0.0  # below the 10^-4 scale


# The number-marker rules as first written, one "(?m)^" regex and one "(?:^|...)" regex: the specification the
# faster versions (a regex for the text's start and one for the rest, each starting with a character class) must meet.
_BULLET_MARKER_SPEC = re.compile(r"(?m)^[ \t]*(?:[-*\u2022][ \t]*)?\d{1,3}[.)](?=\s|$)")
_INLINE_MARKER_SPEC = re.compile(r"(?:^|[:.!?][ \t]+)(\d{1,2})[.)][ \t]+(?=[A-Z])(?![A-Za-z'\u2019-]+[ \t]*:)")
_NOT_BEFORE_SPEC = re.compile(r"(?i)\b(?:no|nr|number|ranked|heat|round)\.?[ \t]*$")


def _marker_starts_spec(text: str) -> set[int]:
    skip = {m.end() - len(m.group(0).lstrip(" \t-*\u2022")) for m in _BULLET_MARKER_SPEC.finditer(text)}
    if ". " not in text and ") " not in text:
        return skip
    expected, found = 1, set()
    for match in _INLINE_MARKER_SPEC.finditer(text):
        start = match.start(1)
        if int(match.group(1)) != expected or _NOT_BEFORE_SPEC.search(text, max(0, start - 12), match.start(0) + 1):
            continue
        found.add(start)
        expected += 1
    return skip | (found if len(found) >= 2 else set())


_MARKER_PIECES = ["1.", "2.", "3)", "12.", "4.", " ", "  ", "\t", "\n", "\r\n", "- ", "* ", "\u2022 ", ":", ". ", "! ",
                  "? ", "No. ", "Heat ", "She", "Kai", "won", "7", "17.10", "x:"]


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("1. She won 3 heats. 2. She is No. 4.", ["3", "4"]),  # an inline list from the text's start
        ("Odile: 1. She won 3 heats. 2. She is No. 4.", ["3", "4"]),  # after a colon
        ("Kai: 1. Leo: 2.", ["1", "2"]),  # a standings line, not a list
        ("- 1. Kai won 7\n 2) Leo won 3", ["7", "3"]),  # bullet markers at line starts, dashed and indented
    ],
)
def test_list_markers_are_not_numbers(text: str, numbers: list[str]) -> None:
    assert [m.text for m in extract_numbers(text)] == numbers


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_MARKER_PIECES), max_size=30).map("".join))
def test_list_markers_match_the_single_regex_specification(text: str) -> None:
    assert _marker_starts(text) == _marker_starts_spec(text)
