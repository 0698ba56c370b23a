"""The engine finds every PCR-detectable person in a simulated 10-in-1 round, and nobody else at
tube level (fangkong.screening.engine.simcheck; the 1,000,000-person figures are in docs/screening.md)."""

from __future__ import annotations

from fangkong.screening.engine.simcheck import check_round


def test_a_simulated_round_finds_every_detectable_person_and_no_tube_without_one(tmp_path):
    figures = check_round(population=50_000, seed=3, out=tmp_path, day=12, seed_infections=200)
    print(figures)  # pytest -s shows the counts, e.g. how many uninfected pool-mates are rechecked
    assert figures["detectable_sampled"] > 20 and figures["positive_tubes"] > 10  # an outbreak worth screening
    assert figures["missed_detectable"] == 0
    assert figures["positive_tubes_without_detectable_member"] == 0
    assert figures["positive_tubes"] == figures["tubes_with_detectable_member"]
    # pool-mates of a positive swab are rechecked by design; with 10-in-1 they outnumber the infected
    assert figures["recheck"] == figures["detectable_sampled"] + figures["recheck_not_infected"] + \
        figures["recheck_infected_not_detectable"]
    assert figures["recheck_not_infected"] > figures["detectable_sampled"]
