"""Structured surf facts behind generated tasks: fictional name pools, samplers and context sentences.

Every fact kind is a plain JSON-serialisable dict whose ``"kind"`` is the answer category it feeds
(``recap``, ``profile``, ``stats``, ``comparison``). Scores are stored as floats with two decimals and rendered
with :func:`fmt_score`, so the context and any post written from the same facts print identical figures.
Optional keys may be absent; :func:`render_context` then says nothing about them (unanswerable tasks use that).
"""

from __future__ import annotations

import random
from typing import Any

Facts = dict[str, Any]

# Invented names. Surnames of well-known professional surfers are deliberately left out.
FIRST_NAMES: tuple[str, ...] = (
    "Kai", "Leo", "Mara", "Tane", "Isla", "Noa", "Rafa", "Keala", "Jonah", "Lani", "Tomas", "Sage", "Ines",
    "Mateo", "Ava", "Koa", "Rhys", "Nalu", "Elena", "Bruno", "Maya", "Felipe", "Oli", "Zara", "Hugo", "Ari",
    "Remy", "Tiago", "Leilani", "Caio", "Mele", "Soren", "Ana", "Duke", "Yara", "Ezra", "Luana", "Finn",
)
LAST_NAMES: tuple[str, ...] = (
    "Moana", "Vance", "Okafor", "Takeda", "Holloway", "Marsh", "Duarte", "Brennan", "Solberg", "Navarro",
    "Ihaia", "Castell", "Whitlock", "Moreau", "Reyes", "Ashdown", "Kalani", "Petrov", "Lindqvist", "Amaro",
    "Halvorsen", "Quill", "Tavares", "Byrne", "Oyelaran", "Sorensen", "Keawe", "Vidal", "Ortega", "Pakeha",
    "Delacroix", "Mbeki", "Arruda", "Fenwick", "Nakoa", "Esteves",
)
BREAKS: tuple[str, ...] = (
    "Marlin Bay", "Saltwater Point", "Driftwood Reef", "Kelp Cove", "Pelican Point", "Stingray Reef",
    "Lantern Bay", "Coral Gate", "Whalebone Beach", "Tidewater Point", "Ironbark Reef", "Gull Island",
    "Black Rock Bay", "Seafoam Point", "Crescent Reef", "Otter Point", "Sunfish Bay", "Basalt Point",
    "Hollow Tree Reef", "Moonrise Beach",
)
EVENT_SUFFIXES: tuple[str, ...] = ("Pro", "Open", "Classic", "Challenge", "Invitational", "Showdown")
CONDITIONS: tuple[str, ...] = (
    "clean and overhead", "bumpy and onshore", "glassy", "heavy and hollow", "small and fickle",
    "pumping", "brutal and stormy", "shifty and windblown",
)
# (round name, number of heats in it; None = a single heat with no number)
ROUNDS: tuple[tuple[str, int | None], ...] = (
    ("Opening Round", 12), ("Elimination Round", 4), ("Round of 32", 16), ("Round of 16", 8),
    ("Quarterfinals", 4), ("Semifinals", 2), ("Final", None),
)


def fmt_score(value: float) -> str:
    """A wave or heat score with two decimals: ``8.0 -> '8.00'``."""
    return f"{value:.2f}"


def fmt_points(value: int) -> str:
    """Ranking points with thousands separators: ``18720 -> '18,720'``."""
    return f"{value:,}"


def fmt_rate(value: float) -> str:
    """A percentage with one decimal: ``42.5 -> '42.5%'``."""
    return f"{value:.1f}%"


def a_an(figure: str) -> str:
    """The figure with its article, as it is read aloud: ``'a 9.10'``, ``'an 8.00'``, ``'an 11.60'``."""
    spoken_vowel = figure.startswith("8") or (figure[:2] in ("11", "18") and not figure[2:3].isdigit())
    return f"{'an' if spoken_vowel else 'a'} {figure}"


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """``'1 podium'``, ``'3 podiums'``."""
    return f"{count} {noun if count == 1 else (plural_form or noun + 's')}"


def _cents(rng: random.Random, low: float, high: float) -> float:
    """A score drawn uniformly on the 0.01 grid in ``[low, high]``."""
    return rng.randint(round(low * 100), round(high * 100)) / 100


def _names(rng: random.Random, k: int) -> list[str]:
    firsts = rng.sample(FIRST_NAMES, k)
    lasts = rng.sample(LAST_NAMES, k)
    return [f"{first} {last}" for first, last in zip(firsts, lasts, strict=True)]


def _event(rng: random.Random) -> tuple[str, str]:
    place = rng.choice(BREAKS)
    return f"{place} {rng.choice(EVENT_SUFFIXES)}", place


def _two_waves(rng: random.Random) -> list[float]:
    best = _cents(rng, 3.0, 10.0)
    return [best, _cents(rng, 1.5, best)]


def heat_label(facts: Facts) -> str:
    """``'Heat 3 of the Round of 16'`` or ``'the Final'``."""
    if facts.get("heat") is None:
        return f"the {facts['round']}"
    return f"Heat {facts['heat']} of the {facts['round']}"


def sample_recap(rng: random.Random) -> Facts:
    """A two-surfer heat: totals are the sum of each surfer's two best waves, the winner strictly ahead."""
    event, place = _event(rng)
    round_name, heats = rng.choice(ROUNDS)
    winner_name, runner_name = _names(rng, 2)
    while True:
        a, b = _two_waves(rng), _two_waves(rng)
        total_a, total_b = round(sum(a), 2), round(sum(b), 2)
        if total_a != total_b:
            break
    if total_a < total_b:
        a, b, total_a, total_b = b, a, total_b, total_a
    return {
        "kind": "recap",
        "event": event,
        "break": place,
        "round": round_name,
        "heat": None if heats is None else rng.randint(1, heats),
        "conditions": rng.choice(CONDITIONS) if rng.random() < 0.5 else None,
        "winner": {"name": winner_name, "waves": a, "total": total_a, "wave_count": rng.randint(3, 15)},
        "runner_up": {"name": runner_name, "waves": b, "total": total_b, "wave_count": rng.randint(2, 15)},
    }


def _season(rng: random.Random, name: str, rank: int) -> Facts:
    # Better-ranked surfers win more heats, reach more podiums and score higher, with noise.
    quality = (20 - rank) / 19
    events = rng.randint(3, 10)
    surfed = rng.randint(events * 2, events * 4)
    won = min(surfed, max(0, round(surfed * (0.2 + 0.5 * quality + rng.uniform(-0.1, 0.1)))))
    most_podiums = min(events, round(1 + 4 * quality))
    avg = _cents(rng, 9.5 + 4 * quality, 11.5 + 4.5 * quality)
    return {
        "name": name,
        "rank": rank,
        "points": max(1_000, 62_000 - rank * 2_600 + rng.randint(-180, 180) * 5),
        "events": events,
        "heats_surfed": surfed,
        "heats_won": won,
        "win_rate": round(100 * won / surfed, 1),
        "podiums": rng.randint(most_podiums // 2, most_podiums),
        "avg_heat": avg,
        "best_heat": _cents(rng, min(avg + 1.0, 19.0), 19.9),
    }


def sample_profile(rng: random.Random) -> Facts:
    """One athlete's season snapshot: ranking, points in the thousands, win rate, podiums, heat averages."""
    (name,) = _names(rng, 1)
    facts = {"kind": "profile", "home_break": rng.choice(BREAKS)}
    facts.update(_season(rng, name, rng.randint(1, 20)))
    return facts


def sample_stats(rng: random.Random) -> Facts:
    """Event-wide statistics with the top heat and the top single wave."""
    event, place = _event(rng)
    top_heat_name, top_wave_name = _names(rng, 2)
    if rng.random() < 0.3:
        top_wave_name = top_heat_name
    heats = rng.randint(12, 36)
    avg = _cents(rng, 9.0, 14.5)
    return {
        "kind": "stats",
        "event": event,
        "break": place,
        "heats": heats,
        "waves_ridden": heats * rng.randint(6, 12) + rng.randint(0, 5),
        "avg_heat": avg,
        "excellent": rng.randint(1, 25),
        "top_heat": {"name": top_heat_name, "total": _cents(rng, avg + 3.0, 19.9)},
        "top_wave": {"name": top_wave_name, "score": _cents(rng, 8.0, 10.0)},
    }


def sample_comparison(rng: random.Random) -> Facts:
    """Two athletes' season snapshots (better-ranked first) and their head-to-head record."""
    first, second = _names(rng, 2)
    rank_a, rank_b = sorted(rng.sample(range(1, 21), 2))
    a, b = _season(rng, first, rank_a), _season(rng, second, rank_b)
    if b["points"] >= a["points"]:
        b["points"] = a["points"] - 5 * rng.randint(10, 600)
    wins_a = rng.randint(0, 5)
    wins_b = rng.randint(0 if wins_a else 1, 5)
    keep = ("name", "rank", "points", "win_rate", "podiums", "avg_heat")
    return {
        "kind": "comparison",
        "athletes": [{k: a[k] for k in keep}, {k: b[k] for k in keep}],
        "head_to_head": [wins_a, wins_b],
    }


# Facts an answer task may leave out (each group dropped together), so contexts vary in what they state.
OPTIONAL_FACTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "recap": (("runner_up.wave_count",), ("winner.wave_count", "runner_up.wave_count")),
    "profile": (("podiums",), ("home_break",)),
    "stats": (("waves_ridden",), ("excellent",)),
    "comparison": (("head_to_head",),),
}

SAMPLERS = {"recap": sample_recap, "profile": sample_profile, "stats": sample_stats, "comparison": sample_comparison}


def _surfer_sentence(surfer: Facts, lead: str) -> str:
    w1, w2 = (fmt_score(w) for w in surfer["waves"])
    return f"{lead} {fmt_score(surfer['total'])} (best waves {w1} and {w2})"


def _recap_context(f: Facts, variant: int) -> str:
    win, run = f["winner"], f["runner_up"]
    where = f"{heat_label(f)} at the {f['event']}"
    if variant == 0:
        text = (f"{where[0].upper()}{where[1:]}: {_surfer_sentence(win, win['name'] + ' scored')} and beat "
                f"{_surfer_sentence(run, run['name'] + ' on')}.")
    elif variant == 1:
        w1, w2 = (fmt_score(w) for w in win["waves"])
        r1, r2 = (fmt_score(w) for w in run["waves"])
        text = (f"At the {f['event']} in {f['break']}, {win['name']} won {heat_label(f)} with "
                f"{a_an(fmt_score(win['total']))} heat total from waves of {w1} and {w2}. {run['name']} finished on "
                f"{fmt_score(run['total'])}, with best waves of {r1} and {r2}.")
    else:
        text = (f"{run['name']} and {win['name']} met in {where}. {_surfer_sentence(run, run['name'] + ' posted')}, "
                f"but {_surfer_sentence(win, win['name'] + ' answered with')} to advance.")
    if win.get("wave_count") is not None and run.get("wave_count") is not None:
        text += f" {win['name']} caught {win['wave_count']} waves and {run['name']} caught {run['wave_count']}."
    elif win.get("wave_count") is not None:
        text += f" {win['name']} caught {win['wave_count']} waves."
    if f.get("conditions"):
        text += f" Conditions were {f['conditions']}."
    return text


def _season_context(a: Facts, variant: int) -> str:
    name = a["name"]
    parts = [f"{name} is ranked No. {a['rank']} with {fmt_points(a['points'])} points."]
    if "heats_won" in a:
        parts.append(f"{name} has won {a['heats_won']} of {a['heats_surfed']} heats this season, "
                     f"a win rate of {fmt_rate(a['win_rate'])}.")
    elif "win_rate" in a:
        parts.append(f"{name}'s heat win rate is {fmt_rate(a['win_rate'])}.")
    if a.get("podiums") is not None and "events" in a:
        parts.append(f"{name} has {plural(a['podiums'], 'podium')} from {plural(a['events'], 'event')}.")
    elif a.get("podiums") is not None:
        parts.append(f"{name} has {plural(a['podiums'], 'podium finish', 'podium finishes')}.")
    elif "events" in a:
        parts.append(f"{name} has surfed {plural(a['events'], 'event')}.")
    avg = f"an average heat score of {fmt_score(a['avg_heat'])}"
    if "best_heat" in a:
        avg += f" and a best heat total of {fmt_score(a['best_heat'])}"
    parts.append(f"{name} has {avg}." if variant == 0 else f"{name} brings {avg}.")
    if variant == 1:
        parts.insert(0, parts.pop())
    return " ".join(parts)


def _profile_context(f: Facts, variant: int) -> str:
    text = _season_context(f, variant % 2)
    if not f.get("home_break"):
        return text
    home = f"{f['name']} surfs out of {f['home_break']}."
    return f"{home} {text}" if variant == 1 else f"{text} {home}"


def _stats_context(f: Facts, variant: int) -> str:
    top_heat, top_wave = f["top_heat"], f["top_wave"]
    parts = [f"The {f['event']} at {f['break']} ran {f['heats']} heats."]
    if f.get("waves_ridden") is not None:
        parts.append(f"Surfers rode {f['waves_ridden']} waves in total.")
    parts.append(f"The average heat total was {fmt_score(f['avg_heat'])}.")
    if f.get("excellent") is not None:
        parts.append(f"There were {f['excellent']} excellent scores (8.00 or better).")
    parts.append(f"The highest heat total was {fmt_score(top_heat['total'])} by {top_heat['name']}, and the "
                 f"best single wave was {a_an(fmt_score(top_wave['score']))} by {top_wave['name']}.")
    if variant == 1:
        parts = parts[:1] + parts[-1:] + parts[1:-1]
    return " ".join(parts)


def _comparison_context(f: Facts, variant: int) -> str:
    a, b = f["athletes"]
    if variant == 0:
        text = f"{_season_context(a, 0)} {_season_context(b, 0)}"
    else:
        text = (f"{a['name']}: ranked No. {a['rank']}, {fmt_points(a['points'])} points, heat win rate "
                f"{fmt_rate(a['win_rate'])}, {plural(a['podiums'], 'podium')}, average heat score "
                f"{fmt_score(a['avg_heat'])}. {b['name']}: ranked No. {b['rank']}, {fmt_points(b['points'])} "
                f"points, heat win rate {fmt_rate(b['win_rate'])}, {plural(b['podiums'], 'podium')}, "
                f"average heat score {fmt_score(b['avg_heat'])}.")
    h2h = f.get("head_to_head")
    if h2h is not None:
        text += f" Head to head this season, {a['name']} has {h2h[0]} wins and {b['name']} has {h2h[1]}."
    return text


_CONTEXTS = {"recap": _recap_context, "profile": _profile_context, "stats": _stats_context,
             "comparison": _comparison_context}
CONTEXT_VARIANTS = 3


def render_context(facts: Facts, variant: int = 0) -> str:
    """Plain English sentences stating every fact present in ``facts`` (``variant`` picks the wording)."""
    return _CONTEXTS[facts["kind"]](facts, variant % CONTEXT_VARIANTS)


def _event_triples(f: Facts) -> list[tuple[str | None, str, str]]:
    out: list[tuple[str | None, str, str]] = []
    digits = "".join(c for c in f["round"] if c.isdigit())
    if digits:
        out.append((f["event"], "round", digits))
    if f.get("heat") is not None:
        out.append((f["event"], "heat_number", str(f["heat"])))
    return out


def _season_triples(a: Facts) -> list[tuple[str | None, str, str]]:
    name = a["name"]
    out = [(name, "rank", str(a["rank"])), (name, "points", fmt_points(a["points"])),
           (name, "win_rate", fmt_rate(a["win_rate"]).rstrip("%")), (name, "avg_heat", fmt_score(a["avg_heat"]))]
    if "heats_won" in a:
        out += [(name, "wins", str(a["heats_won"])), (name, "heats", str(a["heats_surfed"]))]
    if a.get("podiums") is not None:
        out.append((name, "podiums", str(a["podiums"])))
    if "events" in a:
        out.append((name, "events", str(a["events"])))
    if "best_heat" in a:
        out.append((name, "heat_total", fmt_score(a["best_heat"])))
    return out


def fact_triples(facts: Facts) -> list[tuple[str | None, str, str]]:
    """Every number the context of these facts states, as ``(subject, statistic, figure)``.

    The ground truth that the claims reader (``metrics.context_facts``) must reproduce from the rendered context:
    subjects are athletes' full names or the event's name, statistics are ``metrics.STATISTICS``, figures are
    printed as the context prints them.
    """
    kind = facts["kind"]
    out: list[tuple[str | None, str, str]] = []
    if kind == "recap":
        for surfer in (facts["winner"], facts["runner_up"]):
            out.append((surfer["name"], "heat_total", fmt_score(surfer["total"])))
            out += [(surfer["name"], "wave_score", fmt_score(w)) for w in surfer["waves"]]
            if surfer.get("wave_count") is not None:
                out.append((surfer["name"], "waves_ridden", str(surfer["wave_count"])))
        out += _event_triples(facts)
    elif kind == "profile":
        out = _season_triples(facts)
    elif kind == "stats":
        event = facts["event"]
        out = [(event, "heats_run", str(facts["heats"])), (event, "avg_heat", fmt_score(facts["avg_heat"])),
               (facts["top_heat"]["name"], "heat_total", fmt_score(facts["top_heat"]["total"])),
               (facts["top_wave"]["name"], "wave_score", fmt_score(facts["top_wave"]["score"]))]
        if facts.get("waves_ridden") is not None:
            out.append((event, "waves_ridden", str(facts["waves_ridden"])))
        if facts.get("excellent") is not None:
            out += [(event, "excellent", str(facts["excellent"])), (event, "threshold", "8.00")]
    elif kind == "comparison":
        a, b = facts["athletes"]
        out = _season_triples(a) + _season_triples(b)
        h2h = facts.get("head_to_head")
        if h2h is not None:
            out += [(a["name"], "wins", str(h2h[0])), (b["name"], "wins", str(h2h[1]))]
    distractor = facts.get("distractor")
    if distractor:  # a figure the varied voices add for the post to leave alone (wsl_env._voices)
        out += [(subject, statistic, figure) for subject, statistic, figure in distractor["triples"]]
    return out
