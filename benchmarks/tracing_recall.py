"""Recall of the exposure search against the simulator's ground truth (issue 5).

    python benchmarks/tracing_recall.py --population 200000          # the issue's city
    python benchmarks/tracing_recall.py --population 20000 --days 30 --seed-infections 100

Builds a city (``fangkong.sim.build_city``), runs an outbreak with every venue visit scanned
(``scan_compliance = 1``) under the ``baseline`` scenario (symptomatic testing only, so the
epidemic grows and is observed through its cases), ingests the run's ``checkins/`` with
``fangkong.tracing.engine.ingest_files`` into a scratch data folder, and searches the exposures of
the observed cases (``observed/cases.parquet``) with ``find_exposures``:

* index persons: every reported case, with the look-back window of the protocol profile (ed9:
  ``contacts.close_contact.lookback_days`` = 4 days before onset, or before sampling for a case
  without symptoms, from midnight of that date) up to the report time (``reported_at``: the
  simulator isolates a case from the start of its report day, so it makes no visit after it);
* true targets (``infections.parquet``): infections in layer ``venue`` whose infector is an index
  case, infected inside the infector's window;
* recall: the share of those infectees that appear among their infector's exposures (also with
  the venue required to match);
* price: distinct exposed persons ÷ true infectees (the quarantines it costs), and exposure pairs
  (index, person) ÷ true targets;
* precision against the truth: every exposure row must be a real co-presence in ``visits/`` (both
  persons at that venue over the whole reported overlap); with full compliance it must be 1.

Misses are written to ``--out`` with their times and the infector's window and check-ins, so
they can be examined. Target (issue 5): recall ≥ 99% on a 200,000-person city.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "out" / "tracing_recall"
TARGET_RECALL = 0.99
TIMEZONE = "Asia/Shanghai"


def lookback_days(profile: str = "ed9") -> int:
    """The profile's look-back window before onset (or sampling), in days."""
    from fangkong.protocols.diff import plain
    from fangkong.protocols.loader import get_profile

    value = plain(get_profile(profile), "contacts.close_contact.lookback_days")
    if value is None:
        raise ValueError(f"profile {profile} has no contacts.close_contact.lookback_days")
    return int(value)


def simulate(*, population: int, days: int, seed: int, seed_infections: int, out: Path, scenario: str = "baseline"):
    """Build the city and run the outbreak with every visit scanned; returns the SimResult."""
    from fangkong.sim import build_city, run_sim
    from fangkong.sim.scenario import load_scenario

    city = build_city(population=population, seed=seed)
    config, interventions = load_scenario(scenario)
    config = config.model_copy(update={"scan_compliance": 1.0, "seed_infections": seed_infections, "presence": False})
    return run_sim(city=city, days=days, seed=seed, config=config, interventions=interventions, out=out)


def index_from_cases(cases: pa.Table, *, days: int) -> pa.Table:
    """One look-back window per reported person: from midnight of onset (or sampling, without
    symptoms) minus `days`, to the report time. A person reported twice keeps the first report."""
    import duckdb

    con = duckdb.connect()
    con.register("cases", cases)
    table = con.sql(f"""
        SELECT person_id,
               CAST(coalesce(onset_date, sampled_on) AS TIMESTAMP) - INTERVAL {int(days)} DAY AS window_start,
               CAST(reported_at AS TIMESTAMP) AS window_end
        FROM cases QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY reported_at) = 1
        ORDER BY person_id""").to_arrow_table()
    con.close()
    return table.cast(pa.schema([("person_id", pa.int64()), ("window_start", pa.timestamp("us")),
                                 ("window_end", pa.timestamp("us"))]))


def true_targets(infections: pa.Table, index: pa.Table, layers: tuple[str, ...] = ("venue",)) -> pa.Table:
    """Infections in `layers` (default: venue) by an index case inside the infector's window."""
    import duckdb

    con = duckdb.connect()
    con.register("inf", infections.select(["infectee_id", "infector_id", "infected_at", "layer", "venue_id"]))
    con.register("idx", index)
    con.register("wanted", pa.table({"layer": pa.array(layers, pa.string())}))
    table = con.sql("""
        SELECT f.infector_id, f.infectee_id, f.venue_id, CAST(f.infected_at AS TIMESTAMP) AS infected_at,
               i.window_start, i.window_end
        FROM inf f JOIN idx i ON i.person_id = f.infector_id
        WHERE CAST(f.layer AS VARCHAR) IN (SELECT layer FROM wanted) AND f.venue_id IS NOT NULL
          AND CAST(f.infected_at AS TIMESTAMP) BETWEEN i.window_start AND i.window_end
        ORDER BY f.infector_id, f.infectee_id""").to_arrow_table()
    con.close()
    return table


def score(targets: pa.Table, exposures: pa.Table) -> tuple[dict, pa.Table]:
    """Recall (pair, and pair at the right venue), the price, and the missed targets."""
    import duckdb

    con = duckdb.connect()
    con.register("t", targets)
    con.register("e", exposures)
    found = con.sql("""
        SELECT t.*,
               EXISTS (SELECT 1 FROM e WHERE e.index_person_id = t.infector_id AND e.person_id = t.infectee_id) AS found,
               EXISTS (SELECT 1 FROM e WHERE e.index_person_id = t.infector_id AND e.person_id = t.infectee_id
                                         AND e.place_id = t.venue_id AND e.overlap_start <= t.infected_at
                                         AND e.overlap_end >= t.infected_at) AS found_at_venue
        FROM t""").to_arrow_table()
    n = found.num_rows
    hits = pc.sum(found["found"]).as_py() or 0
    at_venue = pc.sum(found["found_at_venue"]).as_py() or 0
    exposed = pc.count_distinct(exposures["person_id"]).as_py() if exposures.num_rows else 0
    pairs = con.execute("SELECT count(*) FROM (SELECT DISTINCT index_person_id, person_id FROM e)").fetchone()[0]
    infectees = pc.count_distinct(targets["infectee_id"]).as_py() if n else 0
    con.close()
    figures = {"true_targets": n, "true_infectees": infectees, "found": hits, "recall": hits / n if n else None,
               "found_at_venue_and_time": at_venue, "recall_at_venue_and_time": at_venue / n if n else None,
               "exposure_rows": exposures.num_rows, "exposure_pairs": pairs, "exposed_persons": exposed,
               "exposed_persons_per_true_infectee": exposed / infectees if infectees else None,
               "exposure_pairs_per_true_target": pairs / n if n else None}
    return figures, found.filter(pc.invert(found["found"]))


def precision_against_visits(exposures: pa.Table, visits_dir: Path) -> dict:
    """Exposure rows where both persons were at the venue over the whole reported overlap (truth)."""
    import duckdb

    if exposures.num_rows == 0:
        return {"checked": 0, "real": 0, "precision": None}
    con = duckdb.connect()
    con.register("e", exposures.filter(pc.equal(exposures["kind"], "venue")))
    glob = str(visits_dir / "*.parquet").replace("'", "''")
    con.execute(f"CREATE TEMP TABLE v AS SELECT person_id, venue_id, CAST(time_in AS TIMESTAMP) AS time_in, "
                f"CAST(time_out AS TIMESTAMP) AS time_out FROM read_parquet('{glob}')")
    at = ("EXISTS (SELECT 1 FROM v WHERE v.person_id = e.{who} AND v.venue_id = e.place_id "
          "AND v.time_in <= e.overlap_start AND v.time_out >= e.overlap_end)")
    checked, real = con.execute(f"SELECT count(*), count(*) FILTER ({at.format(who='index_person_id')} "
                                f"AND {at.format(who='person_id')}) FROM e").fetchone()
    con.close()
    return {"checked": checked, "real": real, "precision": real / checked if checked else None}


def context(infections: pa.Table, index: pa.Table) -> dict:
    """How many venue infections the cases caused at all, and how many fell outside their windows
    (before the look-back starts: infectious earlier than the protocol assumes)."""
    import duckdb

    con = duckdb.connect()
    con.register("inf", infections.select(["infector_id", "infected_at", "layer"]))
    con.register("idx", index)
    row = con.execute("""
        SELECT count(*),
               count(*) FILTER (WHERE CAST(f.infected_at AS TIMESTAMP) < i.window_start),
               count(*) FILTER (WHERE CAST(f.infected_at AS TIMESTAMP) > i.window_end)
        FROM inf f JOIN idx i ON i.person_id = f.infector_id WHERE CAST(f.layer AS VARCHAR) = 'venue'""").fetchone()
    layers = con.execute("SELECT CAST(layer AS VARCHAR), count(*) FROM inf GROUP BY 1 ORDER BY 1").fetchall()
    con.close()
    return {"venue_infections_by_cases": row[0], "before_window": row[1], "after_window": row[2],
            "infections_by_layer": dict(layers)}


def check_run(run_dir: Path, data_dir: Path, *, engine: str = "duckdb", profile: str = "ed9",
              margins: tuple[float, ...] = ()) -> dict:
    """Ingest the run's check-ins into `data_dir`, search the cases' exposures, score them; with
    `margins`, also the recall and price of a search that asks for more than that many minutes."""
    from fangkong.tracing.engine import find_exposures, ingest_files

    t0 = time.perf_counter()
    report = ingest_files(data_dir=data_dir, kind="checkins", files=[run_dir / "checkins"], timezone=TIMEZONE)
    ingest_s = time.perf_counter() - t0
    if report.problem_count:
        raise RuntimeError(f"ingest reported {report.problem_count} problems: {report.problems[:5]}")
    days = lookback_days(profile)
    index = index_from_cases(pq.read_table(run_dir / "observed" / "cases.parquet"), days=days)
    infections = pq.read_table(run_dir / "infections.parquet")
    targets = true_targets(infections, index)
    t0 = time.perf_counter()
    exposures = find_exposures(data_dir=data_dir, index=index, engine=engine)
    search_s = time.perf_counter() - t0
    figures, misses = score(targets, exposures)
    # School and work infections also happen while both are at the venue (a class, a team): the
    # search finds them too, though the figure counts the venue layer only.
    others = {layer: score(true_targets(infections, index, (layer,)), exposures)[0] for layer in ("school", "work")}
    figures["other_layers_at_venues"] = {layer: {k: f[k] for k in ("true_targets", "found", "recall")}
                                         for layer, f in others.items()}
    doc = {"profile": profile, "lookback_days": days, "index_cases": index.num_rows,
           "checkins_stored": report.stored, "ingest_s": ingest_s, "search_s": search_s, **figures,
           "precision_vs_visits": precision_against_visits(exposures, run_dir / "visits"),
           "context": context(infections, index), "_misses": misses}
    del exposures
    doc["by_margin"] = {}
    for margin in margins:
        found = find_exposures(data_dir=data_dir, index=index, engine=engine, margin_minutes=margin)
        doc["by_margin"][margin] = score(targets, found)[0]
    return doc


def describe_misses(misses: pa.Table, data_dir: Path, limit: int = 20) -> list[dict]:
    """Each missed target with the infector's check-ins that day (to see why it was missed)."""
    from fangkong.tracing.engine.store import files_between

    out = []
    for row in misses.slice(0, limit).to_pylist():
        day = row["infected_at"].date()
        files = files_between(data_dir, "checkins", day - timedelta(days=1), day)
        table = pq.read_table(files) if files else None
        own = []
        if table is not None:
            mask = pc.and_(pc.is_in(table["person_id"], pa.array([row["infector_id"], row["infectee_id"]])),
                           pc.equal(table["venue_id"], row["venue_id"]))
            own = table.filter(mask).to_pylist()
        out.append({**row, "checkins_at_venue": own})
    return out


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--population", type=int, default=200_000)
    p.add_argument("--days", type=int, default=50)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--seed-infections", type=int, help="infections seeded on day 0 (default: population ÷ 400, "
                                                         "so that the outbreak reaches hundreds of cases)")
    p.add_argument("--margins", default="10,15,30", help="also search with these margins (minutes, comma-separated) "
                                                        "and report their recall and price")
    p.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    p.add_argument("--profile", default="ed9", help="protocol profile whose look-back window applies")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--keep", action="store_true", help="keep the run folder and the data folder under --out")
    args = p.parse_args(argv)
    args.seed_infections = args.seed_infections if args.seed_infections is not None else max(20, args.population // 400)
    args.margin_list = [float(m) for m in args.margins.split(",") if m.strip()]
    args.out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="tracing-recall-", dir=args.out))
    stem = f"tracing_recall-{args.population}-{args.days}d-s{args.seed}"
    try:
        t0 = time.perf_counter()
        result = simulate(population=args.population, days=args.days, seed=args.seed,
                          seed_infections=args.seed_infections, out=scratch / "run")
        sim_s = time.perf_counter() - t0
        doc = check_run(scratch / "run", scratch / "data", engine=args.engine, profile=args.profile,
                        margins=tuple(args.margin_list))
        misses = describe_misses(doc.pop("_misses"), scratch / "data")
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    doc = {"command": " ".join([Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])]),
           "population": args.population, "days": args.days, "seed": args.seed, "engine": args.engine,
           "sim_s": sim_s, "sim_summary": result.summary, **doc, "misses": misses}
    (args.out / f"{stem}.json").write_text(json.dumps(doc, indent=2, default=str))
    print_summary(doc)
    ok = doc["recall"] is not None and doc["recall"] >= TARGET_RECALL and doc["precision_vs_visits"]["precision"] in (1.0, None)
    if not ok:
        sys.exit(1)
    return doc


def print_summary(doc: dict) -> None:
    pct = lambda x: "—" if x is None else f"{x:.2%}"  # noqa: E731
    num = lambda x, f=".2f": "—" if x is None else format(x, f)  # noqa: E731
    print(f"tracing_recall: {doc['population']:,} persons, {doc['days']} days, seed {doc['seed']}, "
          f"scan compliance 1, engine {doc['engine']}, profile {doc['profile']} ({doc['lookback_days']}-day look-back)")
    print(f"  simulated {doc['sim_s']:.1f} s: {doc['sim_summary']['infections']:,} infections, "
          f"{doc['index_cases']:,} reported cases (index), {doc['checkins_stored']:,} check-ins ingested in "
          f"{doc['ingest_s']:.1f} s; search {doc['search_s']:.2f} s")
    c = doc["context"]
    print(f"  venue infections by the cases: {c['venue_infections_by_cases']:,} (before the window "
          f"{c['before_window']:,}, after it {c['after_window']:,}); in the window: {doc['true_targets']:,} "
          f"({doc['true_infectees']:,} infectees)")
    print(f"  recall {pct(doc['recall'])} ({doc['found']:,} of {doc['true_targets']:,}); at the right venue and "
          f"time {pct(doc['recall_at_venue_and_time'])} — target ≥ {TARGET_RECALL:.0%}: "
          f"{'met' if (doc['recall'] or 0) >= TARGET_RECALL else 'NOT met'}")
    print(f"  price: {doc['exposed_persons']:,} exposed persons = {num(doc['exposed_persons_per_true_infectee'])} per "
          f"true infectee; {doc['exposure_pairs']:,} (index, person) pairs = "
          f"{num(doc['exposure_pairs_per_true_target'])} per true target; {doc['exposure_rows']:,} rows")
    pv = doc["precision_vs_visits"]
    for layer, f in doc.get("other_layers_at_venues", {}).items():
        print(f"  {layer} infections at a venue in the window (not in the target): recall {pct(f['recall'])} "
              f"({f['found']:,} of {f['true_targets']:,})")
    for margin, m in doc.get("by_margin", {}).items():
        print(f"  margin {float(margin):g} min: recall {pct(m['recall'])}, {m['exposed_persons']:,} exposed persons = "
              f"{num(m['exposed_persons_per_true_infectee'])} per true infectee, {m['exposure_pairs']:,} pairs")
    print(f"  exposures that are real co-presence in visits/: {pv['real']:,} of {pv['checked']:,} "
          f"({pct(pv['precision'])})")


if __name__ == "__main__":
    main()
