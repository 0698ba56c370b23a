"""The exposure search as SQL text shared by DuckDB and Spark.

Relations: ``idx`` (index_person_id, window_start, window_end, stay_from: the index persons),
``ck_idx`` / ``ck`` (check-ins: partitions that can hold the index persons' check-ins / those
that can overlap them), ``pr_idx`` / ``pr`` / ``pr_stay`` (presence, likewise, and the partitions
of the cumulative-stay look-back). Every join keeps an equality key (venue or cell) with the
overlap as a residual, and the small side (the index persons' records) as the build side
(stack-notes.md §1.3: a pure interval join is the slow plan). An interval *intersects* another
when each starts strictly before the other ends, so touching intervals never do.
"""

from __future__ import annotations

from fangkong.screening.engine.dialect import Dialect

ORDER = "index_person_id, kind, place_id, person_id, overlap_start, overlap_end"
# The kind as a number while sorting (a cheaper key than text; the order is the same), named in Arrow.
KINDS = ("cell", "venue")


def index_checkins_sql() -> str:
    """The index persons' check-ins that intersect their windows (each once)."""
    return ("SELECT DISTINCT i.index_person_id, c.venue_id, c.time_in, c.time_out "
            "FROM ck_idx c JOIN idx i ON c.person_id = i.index_person_id "
            "WHERE c.time_in < i.window_end AND c.time_out > i.window_start")


def bounds_sql(relation: str, start: str, end: str) -> str:
    return f"SELECT min({start}) AS lo, max({end}) AS hi FROM {relation}"


def _micros(d: Dialect, a: str, b: str) -> str:
    return d.micros_between.format(a=a, b=b)


def ts_literal(d: Dialect, value) -> str:
    return f"CAST('{value.isoformat(sep=' ')}' AS {d.timestamp})"


def venue_sql(d: Dialect, *, margin_us: int, lo, hi) -> str:
    """Everyone's check-ins at the venue of an index check-in overlapping it by more than the
    margin; `lo`/`hi` bound the index check-ins in time (row groups outside are skipped)."""
    start, end = "greatest(ic.time_in, c.time_in)", "least(ic.time_out, c.time_out)"
    return (f"SELECT ic.index_person_id, c.person_id, 1 AS kind, ic.venue_id AS place_id, "
            f"{start} AS overlap_start, {end} AS overlap_end "
            f"FROM ck c JOIN ic ON c.venue_id = ic.venue_id AND c.time_in < ic.time_out AND c.time_out > ic.time_in "
            f"WHERE c.person_id <> ic.index_person_id AND {_micros(d, start, end)} > {int(margin_us)} "
            f"AND c.time_out > {ts_literal(d, lo)} AND c.time_in < {ts_literal(d, hi)}")


def index_presence_sql() -> str:
    return ("SELECT DISTINCT i.index_person_id, p.cell_id, p.time_start, p.time_end, i.window_start, i.window_end "
            "FROM pr_idx p JOIN idx i ON p.person_id = i.index_person_id "
            "WHERE p.time_start < i.window_end AND p.time_end > i.window_start")


def cell_pairs_sql(d: Dialect, *, lo, hi) -> str:
    """Every overlapping pair of an index person's and someone else's presence in the same cell,
    with the part of the overlap inside the index person's window (`inside_us`)."""
    start, end = "greatest(ip.time_start, p.time_start)", "least(ip.time_end, p.time_end)"
    inside = _micros(d, "greatest(ip.time_start, p.time_start, ip.window_start)",
                     "least(ip.time_end, p.time_end, ip.window_end)")
    return (f"SELECT ip.index_person_id, p.person_id, ip.cell_id AS place_id, {start} AS overlap_start, "
            f"{end} AS overlap_end, greatest({inside}, 0) AS inside_us "
            "FROM pr p JOIN ip ON p.cell_id = ip.cell_id "
            "AND p.time_start < ip.time_end AND p.time_end > ip.time_start "
            f"WHERE p.person_id <> ip.index_person_id "
            f"AND p.time_end > {ts_literal(d, lo)} AND p.time_start < {ts_literal(d, hi)}")


def triples_sql(*, min_overlap_us: int) -> str:
    """(index, person, cell) sharing the cell for more than the minimum inside the window."""
    return ("SELECT index_person_id, person_id, place_id FROM cp GROUP BY index_person_id, person_id, place_id "
            f"HAVING sum(inside_us) > {int(min_overlap_us)}")


def stays_sql(d: Dialect) -> str:
    """Cumulative stay of both persons of each triple in its cell, from the index person's
    `stay_from` to the end of the window (the rule's look-back), clipped to it."""
    need = ("SELECT DISTINCT index_person_id, index_person_id AS person_id, place_id AS cell_id FROM tr "
            "UNION SELECT DISTINCT index_person_id, person_id, place_id AS cell_id FROM tr")
    clipped = _micros(d, "greatest(p.time_start, i.stay_from)", "least(p.time_end, i.window_end)")
    return (f"SELECT n.index_person_id, n.person_id, n.cell_id, sum({clipped}) AS stay_us "
            f"FROM pr_stay p JOIN ({need}) n ON p.person_id = n.person_id AND p.cell_id = n.cell_id "
            f"JOIN idx i ON i.index_person_id = n.index_person_id "
            f"WHERE p.time_start < i.window_end AND p.time_end > i.stay_from "
            f"GROUP BY n.index_person_id, n.person_id, n.cell_id")


def cell_sql(*, stay_us: int) -> str:
    """The pairs of the triples where either person's cumulative stay exceeds the threshold."""
    qualifying = ("SELECT t.index_person_id, t.person_id, t.place_id FROM tr t "
                  "LEFT JOIN st a ON a.index_person_id = t.index_person_id AND a.person_id = t.index_person_id "
                  "AND a.cell_id = t.place_id "
                  "LEFT JOIN st b ON b.index_person_id = t.index_person_id AND b.person_id = t.person_id "
                  "AND b.cell_id = t.place_id "
                  f"WHERE coalesce(a.stay_us, 0) > {int(stay_us)} OR coalesce(b.stay_us, 0) > {int(stay_us)}")
    return ("SELECT cp.index_person_id, cp.person_id, 0 AS kind, cp.place_id, cp.overlap_start, cp.overlap_end "
            f"FROM cp JOIN ({qualifying}) q ON q.index_person_id = cp.index_person_id "
            "AND q.person_id = cp.person_id AND q.place_id = cp.place_id")


def combined(parts: list[str], *, ordered: bool = True) -> str:
    """The parts together, in the output order (one part has a single kind, so it is not a sort key
    then), or in the engine's own order, which streams without a sort."""
    union = f"SELECT * FROM ({' UNION ALL '.join(parts)}) u"
    if not ordered:
        return union
    order = ORDER if len(parts) > 1 else ORDER.replace(" kind,", "")
    return f"{union} ORDER BY {order}"


def conformed(query: str) -> str:
    """`query`'s rows in EXPOSURE_SCHEMA, for DuckDB writing the file itself (DuckDB's SQL): the kind's
    name and the minutes of the intersection, computed as search._conform computes them in Arrow
    (microseconds as a double divided by 60e6), so the values are the same bit for bit."""
    names = " ".join(f"WHEN {i} THEN '{k}'" for i, k in enumerate(KINDS))
    return (f"SELECT index_person_id, person_id, CASE kind {names} END AS kind, place_id, overlap_start, "
            "overlap_end, CAST(date_diff('microsecond', overlap_start, overlap_end) AS DOUBLE) / 60e6 "
            f"AS overlap_minutes FROM ({query}) x")
