"""Typed views of the input files and the row-level checks, as SQL shared by both engines.

Each input becomes a typed relation with a 1-based ``_row`` (the data row in the file): IDs, local
timestamps, Ct values, the canonical result, plus ``<column>_bad`` holding the original text of
a cell that is present but cannot be read (so "missing" and "unreadable" are told apart). The
checks are one ``SELECT fi, _row, field, message`` per rule, unioned; ``fi`` is the file's index
in :data:`FILES`, so problems sort by file, row and field the same way on every engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from fangkong.screening.engine.dialect import (Dialect, as_choice, as_id, as_number, as_text, as_timestamp, lit)
from fangkong.screening.engine.model import CT_RANGE, RESULT_VALUES

FILES = ("samples", "results", "roster")  # fi 0, 1, 2

# Column roles: id:<key> (an identifier, typed per key), ts, num (parsed, with _bad text), choice
# (a result value), code (plain text, such as a grid code), req (required but not used further:
# only a <column>_missing flag is kept, which keeps a 10M-row samples table small).
SAMPLES = (("sample_id", "req"), ("person_id", "id:person"), ("tube_id", "id:tube"),
           ("site_id", "req"), ("collected_at", "ts"))
RESULTS = (("tube_id", "id:tube"), ("result", "choice"), ("ct_orf1ab", "num"), ("ct_n", "num"),
           ("lab_id", "id:lab"), ("reported_at", "ts"))
ROSTER = (("person_id", "id:person"), ("jurisdiction_code", "code"))
OPTIONAL = {"ct_orf1ab", "ct_n"}  # an empty Ct cell (or no Ct column) is fine
PARSED = ("ts", "num", "choice")


@dataclass(frozen=True)
class Source:
    """A registered input: the relation to select from, its columns by canonical (lower-case) name
    as (SQL reference, kind), the label problems carry, and the row-number column if the engine
    numbers rows at load (Spark) rather than by insertion order (DuckDB)."""

    label: str
    relation: str
    columns: dict[str, tuple[str, str]]
    row: str | None = None


def canonical(column: str) -> str:
    """A header as matched against the column names: no byte order mark, trimmed, lower case."""
    return column.replace("\ufeff", "").strip().lower()


def missing_columns(source: Source, spec) -> list[str]:
    return [name for name, _ in spec if name not in source.columns and name not in OPTIONAL]


def typed_sql(d: Dialect, source: Source, spec, integer_keys: set[str]) -> str:
    """SELECT of the typed relation: three levels (text, parsed value, text of unreadable cells)."""
    row = f"{source.row} AS _row, " if source.row else ""
    keep = "_row, " if source.row else ""
    level1, level2, level3 = [], [], []
    for name, role in spec:
        ref, kind = source.columns.get(name, ("NULL", "other"))
        if role.startswith("id:"):
            level1.append(f"{as_id(d, ref, kind, integer=role[3:] in integer_keys)} AS {name}")
            level2.append(name)
            level3.append(name)
        elif role == "req":
            level1.append(f"{as_text(d, ref, kind)} IS NULL AS {name}_missing")
            level2.append(f"{name}_missing")
            level3.append(f"{name}_missing")
        elif role == "code":
            level1.append(f"{as_text(d, ref, kind)} AS {name}")
            level2.append(name)
            level3.append(name)
        else:
            level1 += [f"{ref} AS {name}_src", f"{as_text(d, ref, kind)} AS {name}_txt"]
            level2 += [f"{_parse(d, role, f'{name}_src', kind, f'{name}_txt')} AS {name}", f"{name}_txt"]
            level3 += [name, f"CASE WHEN {name} IS NULL THEN {name}_txt END AS {name}_bad"]
            if role == "num":  # Ct messages quote the cell as written
                level3.append(f"{name}_txt")
    q1 = f"SELECT {row}{', '.join(level1)} FROM {source.relation}"
    q2 = f"SELECT {keep}{', '.join(level2)} FROM ({q1}) q1"
    return f"SELECT {keep}{', '.join(level3)} FROM ({q2}) q2"


def _parse(d: Dialect, role: str, src: str, kind: str, text: str) -> str:
    if role == "ts":
        return as_timestamp(d, src, kind, text)
    if role == "num":
        return as_number(d, src, kind, text)
    return as_choice(text, RESULT_VALUES)


def tube_agg_sql() -> str:
    """Tubes as the samples file fills them: members and first/last collection."""
    return ("SELECT tube_id, count(*) AS members, min(collected_at) AS first_collected_at, "
            "max(collected_at) AS last_collected_at FROM s WHERE tube_id IS NOT NULL GROUP BY tube_id")


def _problem(fi: int, field: str, message: str, source: str, where: str) -> str:
    return f"SELECT {fi} AS fi, _row, {lit(field)} AS field, {message} AS message FROM {source} WHERE {where}"


def cell_checks(d: Dialect, fi: int, relation: str, spec) -> list[str]:
    """Missing required cells, unreadable timestamps, numbers and results, Ct out of range."""
    out = []
    for name, role in spec:
        if role in PARSED:
            if name not in OPTIONAL:
                out.append(_problem(fi, name, lit("missing value"), relation, f"{name} IS NULL AND {name}_bad IS NULL"))
            out.append(_problem(fi, name, _unreadable(role, f"{name}_bad"), relation, f"{name}_bad IS NOT NULL"))
        else:
            where = f"{name}_missing" if role == "req" else f"{name} IS NULL"
            out.append(_problem(fi, name, lit("missing value"), relation, where))
        if role == "num":
            low, high = CT_RANGE
            message = " || ".join([lit('Ct value "'), f"{name}_txt", lit(f'" is outside {low:g} to {high:g}')])
            out.append(_problem(fi, name, message, relation, f"({name} < {low} OR {name} > {high})"))
    return out


def _unreadable(role: str, bad: str) -> str:
    expected = {"ts": "a date and time (YYYY-MM-DD HH:MM:SS or ISO 8601)", "num": "a number",
                "choice": "a result (positive, negative or indeterminate)"}[role]
    return " || ".join([lit('cannot read "'), bad, lit(f'" as {expected}')])


def _text(d: Dialect, expr: str) -> str:
    return f"CAST({expr} AS {d.text})"


def duplicate_check(d: Dialect, fi: int, relation: str, key: str, noun: str, twice: str) -> str:
    """Every row after the first with the same `key` (a person sampled twice, a sample ID reused)."""
    message = (f"{lit(noun + ' ')} || {_text(d, 'x.' + key)} || {lit(f' {twice} (first in row ')} || "
               f"{_text(d, 'k.first_row')} || {lit(')')}")
    dup = (f"SELECT {key}, min(_row) AS first_row FROM {relation} WHERE {key} IS NOT NULL "
           f"GROUP BY {key} HAVING count(*) > 1")
    return (f"SELECT {fi} AS fi, x._row, {lit(key)} AS field, {message} AS message FROM {relation} x "
            f"JOIN ({dup}) k ON x.{key} = k.{key} WHERE x._row > k.first_row")


def pool_check(d: Dialect, pool_size: int) -> str:
    """The rows of a tube beyond its first `pool_size` samples."""
    message = (f"{lit('tube ')} || {_text(d, 'tube_id')} || {lit(' has ')} || {_text(d, 'members')} || "
               f"{lit(f' samples, more than the pool size {pool_size}')}")
    ranked = (f"SELECT x._row, x.tube_id, a.members, row_number() OVER (PARTITION BY x.tube_id ORDER BY x._row) AS k "
              f"FROM s x JOIN tube_agg a ON x.tube_id = a.tube_id WHERE a.members > {pool_size}")
    return f"SELECT 0 AS fi, _row, 'tube_id' AS field, {message} AS message FROM ({ranked}) q WHERE k > {pool_size}"


def result_checks(d: Dialect) -> list[str]:
    """Results for tubes no sample is in, reports before collection, and duplicates that disagree
    (identical duplicates, or ones differing only in reported_at, are a lab re-sending: fine)."""
    unknown = (f"SELECT 1 AS fi, x._row, 'tube_id' AS field, {lit('result for tube ')} || {_text(d, 'x.tube_id')} || "
               f"{lit(', which no sample in the samples file is in')} AS message FROM r x "
               f"LEFT JOIN tube_agg a ON x.tube_id = a.tube_id WHERE x.tube_id IS NOT NULL AND a.tube_id IS NULL")
    early = (f"SELECT 1 AS fi, x._row, 'reported_at' AS field, {lit('reported before the first sample of tube ')} || "
             f"{_text(d, 'x.tube_id')} || {lit(' was collected')} AS message FROM r x "
             f"JOIN tube_agg a ON x.tube_id = a.tube_id WHERE x.reported_at < a.first_collected_at")
    compared = ("result", "ct_orf1ab", "ct_n", "lab_id")
    differs = " ".join(f"WHEN x.{c} IS DISTINCT FROM f.{c} THEN {lit(c)}" for c in compared)
    first = ("SELECT tube_id, min(_row) AS first_row FROM r WHERE tube_id IS NOT NULL "
             "GROUP BY tube_id HAVING count(*) > 1")
    pairs = (f"SELECT x._row, x.tube_id, k.first_row, CASE {differs} END AS field FROM r x "
             f"JOIN ({first}) k ON x.tube_id = k.tube_id AND x._row > k.first_row JOIN r f ON f._row = k.first_row")
    disagree = (f"SELECT 1 AS fi, _row, field, {lit('tube ')} || {_text(d, 'tube_id')} || "
                f"{lit(' already has a result in row ')} || {_text(d, 'first_row')} || {lit(' that differs in ')} || field "
                f"AS message FROM ({pairs}) q WHERE field IS NOT NULL")
    return [unknown, early, disagree]


def unique_sql(relation: str, key: str) -> str:
    """Whether `key` is unique: one scalar pass, far cheaper than listing duplicate rows (the
    detailed duplicate_check runs only when this says no)."""
    return f"SELECT count({key}) = count(DISTINCT {key}) AS u FROM {relation}"


def round_checks_sql(d: Dialect, pool_size: int, *, persons_unique: bool) -> str:
    """Every check on a round (relations s, r and tube_agg), unioned."""
    parts = cell_checks(d, 0, "s", SAMPLES) + cell_checks(d, 1, "r", RESULTS) + [pool_check(d, pool_size)]
    if not persons_unique:
        parts.append(duplicate_check(d, 0, "s", "person_id", "person", "is sampled twice in this file"))
    parts += result_checks(d)
    return "\nUNION ALL\n".join(parts)


def roster_complete_sql() -> str:
    """True when every roster cell is present (duplicates are found with the samples: pools.py)."""
    return "SELECT count(*) = count(person_id) AND count(*) = count(jurisdiction_code) AS ok FROM g"


def roster_checks_sql(d: Dialect, *, persons_unique: bool) -> str:
    parts = cell_checks(d, 2, "g", ROSTER)
    if not persons_unique:
        parts.append(duplicate_check(d, 2, "g", "person_id", "person", "is listed twice in the roster"))
    return "\nUNION ALL\n".join(parts)
