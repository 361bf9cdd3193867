from __future__ import annotations

from metrics.entities import context_entities
from metrics.tables import table_cells

ROWS = ("Heat | Surfer | Total | Best two waves\n"
        "SF1 | Hana Kowalczyk | 15.47 | 8.10 + 7.37\n"
        "SF1 | Matilde Quintero | 12.90 | 6.90 + 6.00")
COLUMNS = "Stat | Odette Rautenbach | Winona Kettle\nRank | 2 | 1\nPoints | 44,020 | 47,315"
KEY_VALUE = "| | Farida Okwu |\n|---|---|\n| Final rank | 5th |\n| Points | 30,440 |"
ALIGNED = ("Surfer            Rank  Points   Heats won\n"
           "Amelie Dufresne   5     30,880   15\n"
           "Talia Brookner    6     29,950   16")


def cells_of(text: str) -> dict[str, tuple[str | None, str | None]]:
    """The text of each cell with its (statistic, athlete)."""
    return {text[c.start : c.end]: (c.statistic, c.subject) for c in table_cells(text, context_entities(text))}


def test_athletes_down_the_rows() -> None:
    cells = cells_of(ROWS)
    assert cells["15.47"] == ("heat_total", "Hana Kowalczyk")  # the column header names the statistic
    assert cells["6.90 + 6.00"] == ("wave_score", "Matilde Quintero")


def test_athletes_across_the_columns() -> None:
    cells = cells_of(COLUMNS)
    assert cells["44,020"] == ("points", "Odette Rautenbach")  # the row label names it, the column the athlete
    assert cells["1"] == ("rank", "Winona Kettle")


def test_markdown_key_value_table() -> None:
    assert cells_of(KEY_VALUE)["30,440"] == ("points", "Farida Okwu")  # an empty corner cell is kept


def test_aligned_columns() -> None:
    cells = cells_of(ALIGNED)
    assert cells["29,950"] == ("points", "Talia Brookner") and cells["16"] == ("wins", "Talia Brookner")


def test_header_cells_may_carry_digits() -> None:
    # "Wave 1" and "Wave 2" label columns (letters, no leading digit): the table is read, each wave under its header
    text = ("Pos  Surfer            Total   Wave 1  Wave 2\n"
            "1    Lorcan Wexford    14.20   7.60    6.60\n"
            "3    Iker Jaramillo    10.50   5.50    5.00")
    cells = cells_of(text)
    assert cells["5.50"] == ("wave_score", "Iker Jaramillo") and cells["10.50"] == ("heat_total", "Iker Jaramillo")


def test_a_row_of_values_is_no_header() -> None:
    # "2nd" and "14,880" start with digits: a line of values never heads a table, whatever its letters
    assert table_cells("Kai Moana | 2nd | 14,880 pts\nLeo Santos | 3rd | 12,100 pts", context_entities("")) == []


def test_no_table_without_a_header() -> None:
    # a stat line split by pipes is not a table: it has no digit-free header line above it
    assert table_cells("36 surfers | 60 heats | 890 waves ridden", context_entities("")) == []


def test_csv_export() -> None:
    # comma-separated, under a header of export names ("wave1", "heats_won", "exc"): read as labels
    text = ("surfer,country,wave1,total,heats_won,exc\n"
            "Tomas Ibarra,CHL,6.17,11.67,4,2\n"
            "Hugo Lefebvre,FRA,5.83,10.73,3,1")
    cells = cells_of(text)
    assert cells["6.17"] == ("wave_score", "Tomas Ibarra")
    assert cells["10.73"] == ("heat_total", "Hugo Lefebvre")
    assert cells["3"] == ("wins", "Hugo Lefebvre")
    assert cells["1"] == ("excellent", "Hugo Lefebvre")


def test_prose_with_commas_is_no_table() -> None:
    # a sentence with commas has cells too long for a CSV row: no table
    text = ("Kai Moana, who surfed brilliantly all morning, won, while Leo Santos, the favourite, lost\n"
            "Kai Moana, who surfed brilliantly all morning long, won 17.10, beating Leo Santos, 13.65")
    assert table_cells(text, context_entities(text)) == []
