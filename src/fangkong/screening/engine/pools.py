"""Pool resolution and grid coverage, as SQL shared by both engines (relations from validate.py).

Rules (protocols-china.md §3.3, epi-methods.md §6): swabs are pooled at collection, so a tube
stands for all its members. A tube is **positive** when its result says so or either gene's Ct is
below the threshold (strictly: 34.9 < 35 is positive, 35.0 is not), **indeterminate** when the
lab says so and no Ct is below the threshold, **negative** otherwise, and **pending** while it has
no result. Members of a positive or indeterminate tube are isolated and re-sampled one tube each
(``recheck``); members of a pending tube are ``pending``; everyone else is ``cleared``.
"""

from __future__ import annotations

from fangkong.screening.engine.dialect import Dialect

# Turnaround is counted from the tube's first swab: the longest any member waited for the result.
HOUR_MICROS = 3_600_000_000


def tubes_sql(d: Dialect, ct_threshold: float) -> str:
    """One row per tube in the samples file (the caller sorts by tube_id). Duplicate results of a tube agree
    (validated), so min() picks their common value, and the earliest report."""
    results = ("SELECT tube_id, min(result) AS result, min(ct_orf1ab) AS ct_orf1ab, min(ct_n) AS ct_n, "
               "min(lab_id) AS lab_id, min(reported_at) AS reported_at FROM r GROUP BY tube_id")
    threshold = f"CAST({float(ct_threshold)!r} AS DOUBLE)"
    status = ("CASE WHEN x.tube_id IS NULL THEN 'pending' "
              f"WHEN x.result = 'positive' OR least(x.ct_orf1ab, x.ct_n) < {threshold} THEN 'positive' "
              "WHEN x.result = 'indeterminate' THEN 'indeterminate' ELSE 'negative' END")
    micros = d.micros_between.format(a="a.first_collected_at", b="x.reported_at")
    return (f"SELECT a.tube_id, a.members, {status} AS status, least(x.ct_orf1ab, x.ct_n) AS min_ct, "
            "x.ct_orf1ab, x.ct_n, x.lab_id, a.first_collected_at, a.last_collected_at, x.reported_at, "
            f"CAST({micros} AS DOUBLE) / CAST({HOUR_MICROS} AS DOUBLE) AS turnaround_hours "
            f"FROM tube_agg a LEFT JOIN ({results}) x ON a.tube_id = x.tube_id")


def person_counts_sql() -> str:
    """Per person: rows in the roster (in_g) and in the samples (in_s), kept only where that is
    not one each: untested, sampled outside the roster, or listed twice. One aggregation over both
    files does the work of three passes (each file's uniqueness check and the roster-samples join)."""
    both = ("SELECT person_id, jurisdiction_code, 1 AS in_g FROM g WHERE person_id IS NOT NULL "
            "UNION ALL SELECT person_id, NULL, 0 FROM s WHERE person_id IS NOT NULL")
    in_g, in_s = "count(CASE WHEN in_g = 1 THEN 1 END)", "count(CASE WHEN in_g = 0 THEN 1 END)"
    return (f"SELECT person_id, {in_g} AS in_g, {in_s} AS in_s, min(jurisdiction_code) AS jurisdiction_code "
            f"FROM ({both}) q GROUP BY person_id HAVING {in_g} <> 1 OR {in_s} <> 1")


def grid_coverage_sql() -> str:
    """Sampled ÷ roster per grid (jurisdiction_code), sorted by grid: the roster counted per grid
    less its untested persons (a checked roster lists each person once)."""
    roster = "SELECT jurisdiction_code, count(*) AS roster FROM g GROUP BY jurisdiction_code"
    missed = "SELECT jurisdiction_code, count(*) AS n FROM persons_x WHERE in_s = 0 GROUP BY jurisdiction_code"
    sampled = "a.roster - coalesce(b.n, 0)"
    return (f"SELECT a.jurisdiction_code, a.roster, {sampled} AS sampled, "
            f"CAST({sampled} AS DOUBLE) / CAST(a.roster AS DOUBLE) AS coverage "
            f"FROM ({roster}) a LEFT JOIN ({missed}) b ON a.jurisdiction_code = b.jurisdiction_code "
            "ORDER BY a.jurisdiction_code")


def untested_sql() -> str:
    """Roster persons with no sample in the round, sorted by grid and person."""
    return ("SELECT person_id, jurisdiction_code FROM persons_x WHERE in_s = 0 "
            "ORDER BY jurisdiction_code, person_id")


def outside_roster_sql() -> str:
    """Sampled persons the roster does not list (visitors, people registered elsewhere)."""
    return "SELECT count(*) AS n FROM persons_x WHERE in_g = 0"
