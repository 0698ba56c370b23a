"""The bulk engine's rules on hand-built rounds (DuckDB): pooling, Ct thresholds, statuses, and
row-level problems that name the file, the data row and the field."""

from __future__ import annotations

import pyarrow as pa
import pytest

from fangkong.screening.engine import Problem, coverage, resolve

SAMPLE_COLS = ("sample_id", "person_id", "tube_id", "site_id", "collected_at")
RESULT_COLS = ("tube_id", "result", "ct_orf1ab", "ct_n", "lab_id", "reported_at")


def samples(*rows) -> pa.Table:
    """rows: (person, tube[, collected_at]); sample and site IDs are made up."""
    full = [(f"S{i}", p, t, "site-1", rest[0] if rest else "2022-04-10 08:00:00") for i, (p, t, *rest) in enumerate(rows)]
    return pa.table({c: [r[k] for r in full] for k, c in enumerate(SAMPLE_COLS)})


def results(*rows) -> pa.Table:
    """rows: (tube, result[, ct_orf1ab, ct_n[, reported_at]])."""
    full = [(t, r, *(rest[:2] if rest else (None, None)), "LAB1", rest[2] if len(rest) > 2 else "2022-04-10 20:00:00")
            for t, r, *rest in rows]
    return pa.table({c: pa.array([r[k] for r in full], pa.string()) for k, c in enumerate(RESULT_COLS)})


def status(res) -> dict:
    return dict(zip(res.person_status.column("person_id").to_pylist(), res.person_status.column("status").to_pylist()))


def tube_status(res) -> dict:
    return dict(zip(res.tubes.column("tube_id").to_pylist(), res.tubes.column("status").to_pylist()))


def test_members_of_positive_and_indeterminate_tubes_are_rechecked_and_tubes_without_result_pending():
    res = resolve(samples=samples(("a", "T1"), ("b", "T1"), ("c", "T2"), ("d", "T3"), ("e", "T4")),
                  results=results(("T1", "positive", "30", "31"), ("T2", "indeterminate", None, "37"),
                                  ("T3", "negative")), pool_size=10)
    assert res.valid and res.problems == []
    assert tube_status(res) == {"T1": "positive", "T2": "indeterminate", "T3": "negative", "T4": "pending"}
    assert status(res) == {"a": "recheck", "b": "recheck", "c": "recheck", "d": "cleared", "e": "pending"}
    assert res.person_status.column("person_id").to_pylist() == ["a", "b", "c", "d", "e"]  # samples order
    assert res.summary["tubes_by_status"] == {"positive": 1, "indeterminate": 1, "negative": 1, "pending": 1}
    assert res.summary["persons_by_status"] == {"recheck": 3, "pending": 1, "cleared": 1}
    assert res.summary["positivity"]["tubes"] == pytest.approx(1 / 3)


@pytest.mark.parametrize("orf1ab, n, expected", [
    ("34.9", None, "positive"), (None, "34.9", "positive"), ("35.0", "35", "negative"), ("35", None, "negative"),
    ("36", "34.99", "positive"), (None, None, "negative"),
])
def test_a_ct_below_the_threshold_on_either_gene_makes_a_negative_tube_positive(orf1ab, n, expected):
    res = resolve(samples=samples(("a", "T1")), results=results(("T1", "negative", orf1ab, n)), pool_size=10,
                  ct_threshold=35.0)
    assert tube_status(res) == {"T1": expected}
    assert res.tubes.column("min_ct").to_pylist() == [min((float(v) for v in (orf1ab, n) if v), default=None)]


def test_the_threshold_is_a_parameter_and_an_indeterminate_tube_with_a_low_ct_is_positive():
    one = results(("T1", "indeterminate", "36.5", None))
    assert tube_status(resolve(samples=samples(("a", "T1")), results=one, pool_size=1)) == {"T1": "indeterminate"}
    assert tube_status(resolve(samples=samples(("a", "T1")), results=one, pool_size=1, ct_threshold=40)) == \
        {"T1": "positive"}


def test_a_tube_over_its_pool_size_is_reported_on_the_rows_beyond_the_pool():
    res = resolve(samples=samples(*[(f"p{i}", "T1") for i in range(7)], ("q", "T2")), results=results(("T1", "negative")),
                  pool_size=5)
    assert not res.valid and len(res.person_status) == 0 and res.summary["valid"] is False
    assert res.problems == [Problem("samples", row, "tube_id", "tube T1 has 7 samples, more than the pool size 5")
                            for row in (6, 7)]


def test_a_person_sampled_twice_and_a_result_for_an_unknown_tube_are_row_level_problems():
    res = resolve(samples=samples(("a", "T1"), ("b", "T1"), ("a", "T2")),
                  results=results(("T1", "negative"), ("T9", "positive", "30", "31")), pool_size=10)
    assert [(p.file, p.row, p.field) for p in res.problems] == [("samples", 3, "person_id"), ("results", 2, "tube_id")]
    assert res.problems[0].message == "person a is sampled twice in this file (first in row 1)"
    assert "T9" in res.problems[1].message


def test_cells_that_are_missing_unreadable_or_out_of_range_name_their_row_and_field():
    s = samples(("a", "T1", "2022-04-10 08:00:00"), ("b", None, "2022-04-10 08:01:00"), ("c", "T1", "10/04/2022 8:00"),
                ("d", "T1", ""))
    r = results(("T1", "maybe", "abc", "55.5"), ("T1", "negative", "", "-1"))
    res = resolve(samples=s, results=r, pool_size=10)
    found = {(p.file, p.row, p.field): p.message for p in res.problems}
    assert found[("samples", 2, "tube_id")] == "missing value"
    assert found[("samples", 3, "collected_at")].startswith('cannot read "10/04/2022 8:00" as a date and time')
    assert found[("samples", 4, "collected_at")] == "missing value"
    assert found[("results", 1, "result")].startswith('cannot read "maybe" as a result')
    assert found[("results", 1, "ct_orf1ab")] == 'cannot read "abc" as a number'
    assert found[("results", 1, "ct_n")] == 'Ct value "55.5" is outside 0 to 50'
    assert found[("results", 2, "ct_n")] == 'Ct value "-1" is outside 0 to 50'
    order = [(p.file != "samples", p.row, p.field) for p in res.problems]
    assert order == sorted(order)  # samples first, then results; by row, then field


def test_duplicate_results_must_agree_and_identical_ones_change_nothing():
    s = samples(("a", "T1"), ("b", "T2"))
    once = resolve(samples=s, results=results(("T1", "positive", "30", "31"), ("T2", "negative")), pool_size=10)
    twice = resolve(samples=s, results=results(("T1", "positive", "30", "31"), ("T2", "negative"),
                                               ("T1", "positive", "30.0", "31"), ("T2", "Negative")), pool_size=10)
    assert twice.valid and twice.person_status.equals(once.person_status) and twice.tubes.equals(once.tubes)
    clash = resolve(samples=s, results=results(("T1", "positive", "30", "31"), ("T2", "negative"), ("T1", "negative")),
                    pool_size=10)
    assert [(p.row, p.field) for p in clash.problems] == [(3, "result")]
    assert clash.problems[0].message == "tube T1 already has a result in row 1 that differs in result"


def test_a_resent_result_keeps_the_first_report_time_and_a_report_before_collection_is_refused():
    s = samples(("a", "T1", "2022-04-10 08:00:00"))
    res = resolve(samples=s, results=results(("T1", "negative", None, None, "2022-04-10 20:00:00"),
                                             ("T1", "negative", None, None, "2022-04-11 09:00:00")), pool_size=10)
    assert res.tubes.column("turnaround_hours").to_pylist() == [12.0]
    early = resolve(samples=s, results=results(("T1", "negative", None, None, "2022-04-10 07:00:00")), pool_size=10)
    assert [(p.row, p.field) for p in early.problems] == [(1, "reported_at")]


def test_timestamps_without_a_zone_are_local_and_zoned_ones_are_converted():
    s = samples(("a", "T1", "2022-04-10T08:00:00"), ("b", "T1", "2022-04-10 08:30"), ("c", "T2", "2022-04-10 09:00:00"))
    r = results(("T1", "negative", None, None, "2022-04-10T06:00:00Z"),  # 14:00 in Shanghai
                ("T2", "negative", None, None, "2022-04-10T21:00:00.500+08:00"))
    res = resolve(samples=s, results=r, pool_size=10)
    assert res.tubes.column("turnaround_hours").to_pylist() == [6.0, pytest.approx(12 + 0.5 / 3600)]
    assert str(res.tubes.column("last_collected_at")[0]) == "2022-04-10 08:30:00"
    utc = resolve(samples=s, results=r, pool_size=10, timezone="UTC")  # 06:00Z is now before the 08:00 swab
    assert [(p.file, p.row, p.field) for p in utc.problems] == [("results", 1, "reported_at")]


def test_integer_ids_stay_integers_and_the_summary_counts_turnaround_against_the_targets():
    s = pa.table({"sample_id": pa.array([1, 2, 3], pa.int64()), "person_id": pa.array([11, 12, 13], pa.int64()),
                  "tube_id": pa.array([100, 100, 101], pa.int64()), "site_id": pa.array([7, 7, 7], pa.int64()),
                  "collected_at": pa.array([0, 60, 120], pa.timestamp("s"))})
    r = pa.table({"tube_id": pa.array([100, 101], pa.int64()), "result": ["negative", "negative"],
                  "ct_orf1ab": pa.array([None, None], pa.float64()), "ct_n": pa.array([None, None], pa.float64()),
                  "lab_id": pa.array([3, 3], pa.int64()), "reported_at": pa.array([5 * 3600, 20 * 3600], pa.timestamp("s"))})
    res = resolve(samples=s, results=r, pool_size=2)
    assert res.person_status.schema.field("person_id").type == pa.int64()
    assert res.tubes.schema.field("lab_id").type == pa.int64()
    targets = res.summary["turnaround_hours"]["targets"]
    assert {k: v["within"] for k, v in targets.items()} == {"6h": 1, "12h": 1, "24h": 2}


def test_missing_columns_and_bad_parameters():
    res = resolve(samples=samples(("a", "T1")).drop_columns(["site_id"]), results=results(("T1", "negative")),
                  pool_size=10)
    assert res.problems == [Problem("samples", 0, "site_id", "column missing")]
    with pytest.raises(ValueError):
        resolve(samples=samples(("a", "T1")), results=results(), pool_size=0)
    with pytest.raises(ValueError):
        resolve(samples=samples(("a", "T1")), results=results(), pool_size=10, engine="pandas")


def test_coverage_per_grid_on_a_hand_built_roster():
    s = samples(("a", "T1"), ("b", "T1"), ("c", "T2"), ("visitor", "T2"))
    roster = pa.table({"person_id": ["a", "b", "c", "d", "e", "f"],
                       "jurisdiction_code": ["G1", "G1", "G2", "G2", "G2", "G3"]})
    cov = coverage(s, roster, engine="duckdb")
    assert cov.grids.to_pylist() == [
        {"jurisdiction_code": "G1", "roster": 2, "sampled": 2, "coverage": 1.0},
        {"jurisdiction_code": "G2", "roster": 3, "sampled": 1, "coverage": pytest.approx(1 / 3)},
        {"jurisdiction_code": "G3", "roster": 1, "sampled": 0, "coverage": 0.0}]
    assert cov.untested.to_pylist() == [{"person_id": "d", "jurisdiction_code": "G2"},
                                        {"person_id": "e", "jurisdiction_code": "G2"},
                                        {"person_id": "f", "jurisdiction_code": "G3"}]
    assert cov.summary == {"valid": True, "problems": 0, "grids": 3, "roster": 6, "sampled_in_roster": 3,
                                "untested": 3, "sampled_outside_roster": 1, "coverage": 0.5}
    twice = coverage(s, pa.concat_tables([roster, roster.slice(0, 1)]))
    assert [(p.file, p.row, p.field) for p in twice.problems] == [("roster", 7, "person_id")]
