"""Stop strings: cut a completion at the first one, whole or streamed piece by piece."""

from __future__ import annotations

from collections.abc import Sequence


def truncate_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """``text`` up to (not including) the earliest stop string, and whether one was found."""
    cut = min((i for i in (text.find(s) for s in stops if s) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


class StopScanner:
    """Streams text through, holding back just enough to never emit any part of a stop string.

    ``feed`` returns the text that is safe to send now; once a stop string appears, ``stopped`` is true and
    everything from it on is dropped. ``flush`` returns what was held back when the stream ends without a stop.
    """

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = [s for s in stops if s]
        self.stopped = False
        self._held = ""

    def feed(self, text: str) -> str:
        """Add streamed text; return the part that can be sent."""
        if self.stopped:
            return ""
        buffer = self._held + text
        cut, found = truncate_at_stop(buffer, self.stops)
        if found:
            self.stopped = True
            self._held = ""
            return cut
        keep = self._partial_suffix(buffer)
        self._held = buffer[len(buffer) - keep :] if keep else ""
        return buffer[: len(buffer) - keep]

    def flush(self) -> str:
        """The held-back text, once the stream has ended."""
        held, self._held = self._held, ""
        return "" if self.stopped else held

    def _partial_suffix(self, buffer: str) -> int:
        """Length of the longest end of ``buffer`` that begins some stop string (and so may complete it)."""
        longest = 0
        for stop in self.stops:
            for size in range(min(len(stop) - 1, len(buffer)), longest, -1):
                if buffer.endswith(stop[:size]):
                    longest = size
                    break
        return longest
