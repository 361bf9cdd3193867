"""More than one voice for generated tasks (``TaskGenerator(seed, voices="varied")``): context formats, request
wordings, distractor facts, and questions asked both where the answer is in the context and where it is not.

The plain generator writes every context as tidy prose and every request in one register. People do not: a heat
comes as a "Winner: / Runner-up:" block, a stat line split by pipes, a small table, a bulleted card, counts written
as words; requests come as questions, casual asks and briefs, naming "the final" as often as "Heat 3"; contexts
carry figures the post should leave alone. Every format here states exactly the facts it is given (plus any
distractor, whose facts are kept with it), so ``wsl_env.data factcheck`` checks the claims reader against each one.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from wsl_env._facts import FIRST_NAMES, LAST_NAMES, Facts, fmt_points, fmt_rate, fmt_score, heat_label

__all__ = ["DISTRACTOR_RATE", "MIRRORED", "add_distractor", "has_fact", "in_words", "render_voice", "request",
           "round_phrase"]

DISTRACTOR_RATE = 0.3
_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
          "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy", 8: "eighty", 9: "ninety"}


def in_words(n: int) -> str:
    """``7 -> 'seven'``, ``34 -> 'thirty-four'`` (0 to 99; larger counts stay digits)."""
    if n < 20:
        return _WORDS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _TENS[tens] + (f"-{_WORDS[unit]}" if unit else "")
    return str(n)


def _round_title(f: Facts) -> str:
    return heat_label(f)[0].upper() + heat_label(f)[1:]


# --- recaps --------------------------------------------------------------------------------------------------------


def _recap_block(f: Facts, rng: random.Random) -> str:
    win, run = f["winner"], f["runner_up"]
    lines = [f"{_round_title(f).upper()} - {f['event']}",
             f"Winner: {win['name']} {fmt_score(win['total'])} (waves: {fmt_score(win['waves'][0])}, "
             f"{fmt_score(win['waves'][1])})",
             f"Runner-up: {run['name']} {fmt_score(run['total'])} (waves: {fmt_score(run['waves'][0])}, "
             f"{fmt_score(run['waves'][1])})"]
    counts = [(s["name"], s["wave_count"]) for s in (win, run) if s.get("wave_count") is not None]
    if counts:
        lines.append("Waves caught: " + ", ".join(f"{name} {n}" for name, n in counts))
    if f.get("conditions"):
        lines.append(f"Conditions: {f['conditions']}")
    return "\n".join(lines) if rng.random() < 0.5 else ". ".join(lines) + "."


def _recap_line(f: Facts, rng: random.Random) -> str:
    win, run = f["winner"], f["runner_up"]
    parts = [f"{heat_label(f)} at the {f['event']}"]
    for s in (win, run):
        parts.append(f"{s['name']} {fmt_score(s['total'])} ({fmt_score(s['waves'][0])} + {fmt_score(s['waves'][1])})")
    counts = [(s["name"], s["wave_count"]) for s in (win, run) if s.get("wave_count") is not None]
    if counts:
        parts.append("waves caught: " + ", ".join(f"{name} {n}" for name, n in counts))
    return " | ".join(parts)


def _recap_table(f: Facts, rng: random.Random) -> str:
    win, run = f["winner"], f["runner_up"]
    counts = win.get("wave_count") is not None and run.get("wave_count") is not None
    header = "Surfer | Total | Best waves" + (" | Waves caught" if counts else "")
    rows = [f"{s['name']} | {fmt_score(s['total'])} | {fmt_score(s['waves'][0])}, {fmt_score(s['waves'][1])}"
            + (f" | {s['wave_count']}" if counts else "") for s in (win, run)]
    lines = [f"{_round_title(f)}, {f['event']}", header, *rows]
    if not counts and win.get("wave_count") is not None:
        lines.append(f"{win['name']} caught {win['wave_count']} waves.")
    return "\n".join(lines)


def _recap_words(f: Facts, rng: random.Random) -> str:
    win, run = f["winner"], f["runner_up"]
    text = (f"{win['name']} won {heat_label(f)} at the {f['event']}, posting {fmt_score(win['total'])} "
            f"(best waves {fmt_score(win['waves'][0])} and {fmt_score(win['waves'][1])}). {run['name']} finished "
            f"on {fmt_score(run['total'])} (best waves {fmt_score(run['waves'][0])} and {fmt_score(run['waves'][1])}).")
    for s in (win, run):
        if s.get("wave_count") is not None:
            text += f" {s['name']} caught {in_words(s['wave_count'])} waves."
    return text


# --- profiles ------------------------------------------------------------------------------------------------------


def _season_lines(a: Facts) -> list[str]:
    lines = [f"Rank: No. {a['rank']}", f"Points: {fmt_points(a['points'])}"]
    if "heats_won" in a:
        lines.append(f"Heats won: {a['heats_won']} of {a['heats_surfed']}")
    lines.append(f"Win rate: {fmt_rate(a['win_rate'])}")
    if a.get("podiums") is not None:
        lines.append(f"Podiums: {a['podiums']}" + (f" from {a['events']} events" if "events" in a else ""))
    elif "events" in a:
        lines.append(f"Events: {a['events']}")
    lines.append(f"Average heat score: {fmt_score(a['avg_heat'])}")
    if "best_heat" in a:
        lines.append(f"Best heat total: {fmt_score(a['best_heat'])}")
    return lines


def _profile_bullets(f: Facts, rng: random.Random) -> str:
    lines = [f["name"], *(f"- {line}" for line in _season_lines(f))]
    if f.get("home_break"):
        lines.append(f"- Home break: {f['home_break']}")
    return "\n".join(lines)


def _profile_line(f: Facts, rng: random.Random) -> str:
    parts = [f["name"], f"No. {f['rank']}", f"{fmt_points(f['points'])} pts",
             f"{f['heats_won']}/{f['heats_surfed']} heats won ({fmt_rate(f['win_rate'])})"]
    if f.get("podiums") is not None:
        parts.append(f"{f['podiums']} podiums in {f['events']} events")
    else:
        parts.append(f"{f['events']} events")
    parts += [f"avg heat {fmt_score(f['avg_heat'])}", f"best heat {fmt_score(f['best_heat'])}"]
    return " | ".join(parts)


def _profile_table(f: Facts, rng: random.Random) -> str:
    rows = [line.split(": ", 1) for line in _season_lines(f)]
    return "\n".join([f"Stat | {f['name']}", *(f"{label} | {value}" for label, value in rows)])


def _profile_words(f: Facts, rng: random.Random) -> str:
    name = f["name"]
    text = (f"{name} sits No. {f['rank']} on tour with {fmt_points(f['points'])} points, having won "
            f"{in_words(f['heats_won'])} of {in_words(f['heats_surfed'])} heats ({fmt_rate(f['win_rate'])}).")
    if f.get("podiums") is not None:
        text += f" {name} has {in_words(f['podiums'])} podiums from {in_words(f['events'])} events."
    else:
        text += f" {name} has surfed {in_words(f['events'])} events."
    return text + (f" {name} averages {fmt_score(f['avg_heat'])} per heat, with a best heat total of "
                   f"{fmt_score(f['best_heat'])}.")


# --- event stats ---------------------------------------------------------------------------------------------------


def _stats_line(f: Facts, rng: random.Random) -> str:
    parts = [f["event"], f"{f['heats']} heats"]
    if f.get("waves_ridden") is not None:
        parts.append(f"{f['waves_ridden']} waves ridden")
    parts.append(f"avg heat total {fmt_score(f['avg_heat'])}")
    if f.get("excellent") is not None:
        parts.append(f"{f['excellent']} excellent scores (8.00+)")
    parts += [f"top heat {fmt_score(f['top_heat']['total'])} ({f['top_heat']['name']})",
              f"top wave {fmt_score(f['top_wave']['score'])} ({f['top_wave']['name']})"]
    return " | ".join(parts)


def _stats_bullets(f: Facts, rng: random.Random) -> str:
    lines = [f"{f['event']} in numbers:", f"- Heats run: {f['heats']}"]
    if f.get("waves_ridden") is not None:
        lines.append(f"- Waves ridden: {f['waves_ridden']}")
    lines.append(f"- Average heat total: {fmt_score(f['avg_heat'])}")
    if f.get("excellent") is not None:
        lines.append(f"- Excellent scores: {f['excellent']} (8.00 or better)")
    lines += [f"- Highest heat total: {fmt_score(f['top_heat']['total'])}, {f['top_heat']['name']}",
              f"- Best single wave: {fmt_score(f['top_wave']['score'])}, {f['top_wave']['name']}"]
    return "\n".join(lines)


def _stats_words(f: Facts, rng: random.Random) -> str:
    text = f"The {f['event']} ran {in_words(f['heats'])} heats."
    if f.get("waves_ridden") is not None:
        text += f" Surfers rode {f['waves_ridden']} waves in total."
    text += f" The average heat total was {fmt_score(f['avg_heat'])}."
    if f.get("excellent") is not None:
        text += f" Judges handed out {in_words(f['excellent'])} excellent scores (8.00 or better)."
    return text + (f" {f['top_heat']['name']} posted the top heat total, {fmt_score(f['top_heat']['total'])}, and "
                   f"{f['top_wave']['name']} rode the best single wave, {fmt_score(f['top_wave']['score'])}.")


# --- comparisons ---------------------------------------------------------------------------------------------------


def _comparison_table(f: Facts, rng: random.Random) -> str:
    a, b = f["athletes"]
    rows = [("Rank", f"No. {a['rank']}", f"No. {b['rank']}"),
            ("Points", fmt_points(a["points"]), fmt_points(b["points"])),
            ("Heat win rate", fmt_rate(a["win_rate"]), fmt_rate(b["win_rate"])),
            ("Podiums", str(a["podiums"]), str(b["podiums"])),
            ("Average heat score", fmt_score(a["avg_heat"]), fmt_score(b["avg_heat"]))]
    h2h = f.get("head_to_head")
    if h2h is not None:
        rows.append(("Head-to-head wins", str(h2h[0]), str(h2h[1])))
    return "\n".join([f"Stat | {a['name']} | {b['name']}", *(" | ".join(r) for r in rows)])


def _comparison_lines(f: Facts, rng: random.Random) -> str:
    lines = [f"{s['name']}: No. {s['rank']}, {fmt_points(s['points'])} pts, win rate {fmt_rate(s['win_rate'])}, "
             f"{s['podiums']} podiums, avg heat {fmt_score(s['avg_heat'])}" for s in f["athletes"]]
    h2h = f.get("head_to_head")
    if h2h is not None:
        a, b = f["athletes"]
        lines.append(f"H2H this season: {a['name']} {h2h[0]}, {b['name']} {h2h[1]}")
    return "\n".join(lines)


def _comparison_cards(f: Facts, rng: random.Random) -> str:
    lines: list[str] = []
    for s in f["athletes"]:
        lines += [s["name"], f"- Rank: No. {s['rank']}", f"- Points: {fmt_points(s['points'])}",
                  f"- Win rate: {fmt_rate(s['win_rate'])}", f"- Podiums: {s['podiums']}",
                  f"- Average heat score: {fmt_score(s['avg_heat'])}"]
    h2h = f.get("head_to_head")
    if h2h is not None:
        a, b = f["athletes"]
        lines.append(f"Head to head: {a['name']} {h2h[0]} wins, {b['name']} {h2h[1]} wins")
    return "\n".join(lines)


_RENDERERS: dict[str, tuple[Callable[[Facts, random.Random], str], ...]] = {
    "recap": (_recap_block, _recap_line, _recap_table, _recap_words),
    "profile": (_profile_bullets, _profile_line, _profile_table, _profile_words),
    "stats": (_stats_line, _stats_bullets, _stats_words),
    "comparison": (_comparison_table, _comparison_lines, _comparison_cards),
}


def render_voice(facts: Facts, rng: random.Random) -> str:
    """One of the extra formats of ``facts["kind"]``, chosen with ``rng``, plus the distractor sentence if any."""
    text = rng.choice(_RENDERERS[facts["kind"]])(facts, rng)
    distractor = facts.get("distractor")
    return f"{text}\n{distractor['text']}" if distractor else text


# --- distractors ---------------------------------------------------------------------------------------------------


def add_distractor(facts: Facts, rng: random.Random) -> None:
    """Add a figure the post should leave alone (kept in ``facts["distractor"]`` with its (subject, statistic,
    figure) triples, so the claims reader can be checked against it).
    """
    kind = facts["kind"]
    if kind in ("recap", "stats"):
        low = rng.randint(2, 6)
        event = facts["event"]
        facts["distractor"] = {"text": f"Swell: {low}-{low + 2} ft.",
                               "triples": [[event, "swell", str(low)], [event, "swell", str(low + 2)]]}
    elif kind == "profile":
        rank, points = rng.randint(1, 30), max(1_000, 62_000 - rng.randint(1, 30) * 2_600)
        facts["distractor"] = {"text": f"Last season: No. {rank}, {fmt_points(points)} points.",
                               "triples": [[facts["name"], "rank", str(rank)],
                                           [facts["name"], "points", fmt_points(points)]]}
    else:
        taken = {s["name"].split()[0] for s in facts["athletes"]} | {s["name"].split()[1] for s in facts["athletes"]}
        first = rng.choice([n for n in FIRST_NAMES if n not in taken])
        last = rng.choice([n for n in LAST_NAMES if n not in taken])
        rank = rng.randint(1, 20)
        points = max(1_000, 62_000 - rank * 2_600 + rng.randint(-180, 180) * 5)
        name = f"{first} {last}"
        facts["distractor"] = {"text": f"For reference, {name} is No. {rank} on {fmt_points(points)} points.",
                               "triples": [[name, "rank", str(rank)], [name, "points", fmt_points(points)]]}


# --- requests ------------------------------------------------------------------------------------------------------

_OPENERS = ("", "", "Quick one: ", "Hey! ", "Social team here. ", "For tonight's highlights show: ",
            "Need this for the feed. ", "Can you help? ")
_REQUESTS: dict[str, tuple[str, ...]] = {
    "recap": (
        "can you write up {round_phrase} at the {event}{shape}?",
        "give me a post on how {W} got past {L}{shape}.",
        "how did {round_phrase} go between {W} and {L}? Write it up{shape}.",
        "{W} bodied {L} in {round_phrase}. Post it{shape}.",
        "need a recap of {W} vs {L} from {break}{shape}.",
        "turn this result into something the fans will share{shape}.",
        "{W} shut the door on {L}. Tell the story{shape}.",
        "what happened in {round_phrase} at {break}? Post about it{shape}.",
    ),
    "profile": (
        "who is {A} and how is the season going? Post it{shape}.",
        "give me the lowdown on {A}'s year{shape}.",
        "{A} has been on fire. Need a spotlight post{shape}.",
        "can you put {A}'s numbers into a post{shape}?",
        "quick profile of {A} for new followers{shape}.",
        "sum up {A}'s season so far{shape}.",
    ),
    "stats": (
        "what are the headline numbers from the {event}? Post them{shape}.",
        "give me the {event} in numbers{shape}.",
        "can you turn the {event} stats into a post{shape}?",
        "the {event} is done. Stats post please{shape}.",
        "how did scoring look at {break} this week? Write it up{shape}.",
    ),
    "comparison": (
        "who's got the edge, {A} or {B}? Post the numbers{shape}.",
        "line up {A} against {B} for the fans{shape}.",
        "is {A} really better than {B} this year? Make the case with stats{shape}.",
        "compare the seasons of {A} and {B}{shape}.",
        "{A} vs {B}: who's winning the year? Post it{shape}.",
    ),
}


# Answer-tasks that ask the very question an unanswerable template asks (its fact is then kept in the context), so
# the choice to answer or decline rests on whether the figure is there: (fact path, question, word the reference
# post leads with).
MIRRORED: dict[str, tuple[str, str, str]] = {
    "recap": ("winner.wave_count", "how many waves did {W} catch in {round_phrase}? Put it in a post{shape}.",
              "waves on the way"),
    "profile": ("podiums", "how many podiums does {A} have this season? Make it a post{shape}.", "podium"),
    "stats": ("excellent", "how many excellent scores were handed out at the {event}? Write the post{shape}.",
              "excellent"),
    "comparison": ("head_to_head", "what's the head-to-head record between {A} and {B}? Make it a post{shape}.",
                   "Head to head"),
}


def has_fact(facts: Facts, path: str) -> bool:
    node: Any = facts
    for key in path.split("."):
        if not isinstance(node, dict) or node.get(key) is None:
            return False
        node = node[key]
    return True


def round_phrase(facts: Facts) -> str:
    """How a person names the heat: "the final", "the semifinal", "the quarterfinal", or "Heat 3 of ..."."""
    by_round = {"Final": "the final", "Semifinals": "the semifinal", "Quarterfinals": "the quarterfinal"}
    return by_round.get(facts["round"], heat_label(facts))


def request(kind: str, names: dict[str, Any], rng: random.Random, text: str | None = None) -> str:
    """A request for an answer-task of ``kind`` in a varied voice (or ``text``, after an opener), with ``{shape}``
    left for the constraints.
    """
    opener, text = rng.choice(_OPENERS), text or rng.choice(_REQUESTS[kind])
    text = opener + (text[0].upper() + text[1:] if opener.rstrip().endswith((".", "!", "?", ":")) else text)
    text = text.replace("{shape}", "\x00")  # filled last by the generator, which knows the constraints
    filled = text.format(**names)
    return filled.replace("\x00", "{shape}")



