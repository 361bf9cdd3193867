from __future__ import annotations

import pytest

from serve.stops import StopScanner, truncate_at_stop


@pytest.mark.parametrize(
    ("text", "stops", "expected"),
    [
        ("hello world", ["wor"], ("hello ", True)),  # cut before the stop string
        ("a. b# c", ["#", "."], ("a", True)),  # the earliest of several wins, not the first listed
        ("hello", ["x"], ("hello", False)),  # no stop string: unchanged
        ("hello", [], ("hello", False)),  # no stops at all
        ("hello", [""], ("hello", False)),  # an empty stop string is ignored, not a cut at 0
        ("END at start", ["END"], ("", True)),  # a stop at the start leaves nothing
    ],
)
def test_truncate_at_stop(text: str, stops: list[str], expected: tuple[str, bool]) -> None:
    assert truncate_at_stop(text, stops) == expected


@pytest.mark.parametrize(
    ("pieces", "stops", "expected", "stopped"),
    [
        (["hel", "lo wo", "rld"], ["wor"], "hello ", True),  # a stop split across pieces is still caught
        (["ab", "c"], ["abd"], "abc", False),  # a held-back partial match is released when it fails
        (["one\n", "\ntwo"], ["\n\n"], "one", True),  # the newline held back is not emitted before the stop
        (["x", "y", "z"], [], "xyz", False),  # no stops: everything passes through
        (["stop", "more"], ["stop"], "", True),  # nothing after a stop is emitted
        (["ab"], ["abc"], "ab", False),  # a partial match at the very end is flushed when the stream ends
    ],
)
def test_stop_scanner_matches_truncation(pieces: list[str], stops: list[str], expected: str, stopped: bool) -> None:
    scanner = StopScanner(stops)
    emitted = "".join(scanner.feed(p) for p in pieces) + scanner.flush()
    assert emitted == expected
    assert scanner.stopped is stopped
    assert truncate_at_stop("".join(pieces), stops) == (expected, stopped)


def test_stop_scanner_holds_back_only_possible_prefixes() -> None:
    # 'END' could start with the trailing 'E', so only that is held; 'x' is sent at once.
    scanner = StopScanner(["END"])
    assert scanner.feed("xE") == "x"
    assert scanner.feed("Z") == "EZ"
