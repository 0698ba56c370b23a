"""Time one city-wide pooled screening round (issue 6) on DuckDB, Spark and plain pandas.

    python benchmarks/screening_round.py                         # 10,000,000 samples, all three
    python benchmarks/screening_round.py --samples 25000000 --engines duckdb

Workload: a round of N samples (default 10,000,000) in N/10 tubes (10-in-1) at 0.1% prevalence,
as labs send it: ``samples.csv`` (UTF-8 with BOM, ``YYYY-MM-DD HH:MM:SS``) and ``results.csv``
(ISO 8601 ``T`` timestamps, empty Ct cells on negative tubes, 0.1% identical re-sent rows, 0.3%
of tubes still without a result), plus the residents' roster (``roster.parquet``: person_id,
grid code; 95% of residents sampled). Generation is vectorised, cached in ``--out`` and not timed.

Timed steps, each engine in its own subprocess (peak RSS from ``os.wait4`` ru_maxrss and the
sampled RSS of the process tree, as in sim_vs_covasim.py; the JVM counts for Spark):

* **upload**: read both CSVs and the roster, validate every rule (fangkong.screening.engine.run:
  load + check);
* **resolve**: tubes and one status per person, and the summary;
* **write**: person_status.parquet, tubes.parquet, summary.json, then coverage by grid
  (coverage.parquet, untested.parquet).

Engines: ``duckdb`` and ``spark`` (local mode, ``local[*]``) run fangkong.screening.engine;
``pandas`` is the baseline, a plain pandas implementation of the same steps and rules
(_screening_pandas.py). Imports and Spark's session start are not counted. Every engine's summary
must agree with the generator's truth and with the others.

Targets (issue 6, this 2-core machine): DuckDB under 10 s end to end and under 2 GB (2,000 MB) at
10,000,000 samples, at least 3× faster than pandas; 25,000,000 samples under 30 s.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import signal
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "out" / "screening_round"
ENGINES = ("duckdb", "spark", "pandas")
POOL, PREVALENCE, CT_THRESHOLD = 10, 0.001, 35.0
TIMEZONE = "Asia/Shanghai"
ROUND_DAY = datetime(2022, 4, 10)
TARGET_S = {10_000_000: 10.0, 25_000_000: 30.0}
TARGET_RSS_MB = 2000.0
TARGET_SPEEDUP = 3.0
STEPS = ("upload_s", "resolve_s", "write_s")


def _sibling(name: str):
    """Another script in benchmarks/, imported by path (they are not a package)."""
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------------------------
# Data generation (vectorised, fixed seed, cached)
# --------------------------------------------------------------------------------------------


def _codes(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    text = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, text, "")


def _stamps(seconds: np.ndarray, fmt: str) -> pa.Array:
    return pc.strftime(pa.array(seconds.astype("datetime64[s]")), format=fmt)


def _write_csv(path: Path, table: pa.Table, *, bom: bool) -> None:
    import pyarrow.csv as pacsv

    with path.open("wb") as f:
        if bom:
            f.write("\ufeff".encode())
        pacsv.write_csv(table, f, pacsv.WriteOptions(quoting_style="none"))


def generate(n: int, seed: int, folder: Path) -> dict:
    """Write samples.csv, results.csv and roster.parquet for an n-sample round; return the truth."""
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    n_tubes = -(-n // POOL)
    tube = np.arange(n) // POOL
    roster_n = int(n / 0.95)
    person = rng.permutation(roster_n)[:n]  # 95% of residents sampled, ids in no particular order
    base = int(ROUND_DAY.timestamp()) - int(ROUND_DAY.timestamp()) % 86400
    start = base + rng.integers(7 * 3600, 19 * 3600, n_tubes)  # tubes fill over the sampling day
    collected = start[tube] + (np.arange(n) % POOL) * 30  # a swab every 30 s
    samples = pa.table({"sample_id": _codes("S", np.arange(n), 10), "person_id": _codes("P", person, 9),
                        "tube_id": _codes("T", tube, 8), "site_id": _codes("SITE", tube // 300, 5),
                        "collected_at": _stamps(collected, "%Y-%m-%d %H:%M:%S")})
    _write_csv(folder / "samples.csv", samples, bom=True)
    del samples
    positive = np.zeros(n_tubes, bool)
    positive[tube[rng.random(n) < PREVALENCE]] = True
    results, truth = _results(rng, positive, start + (POOL - 1) * 30)
    _write_csv(folder / "results.csv", results, bom=False)
    grids = np.array([f"3201{d:02d}{s:03d}{g:03d}" for d in range(1, 12) for s in range(1, 11) for g in range(1, 31)])
    grid = rng.integers(0, min(len(grids), max(1, roster_n // 3000)), roster_n)
    pq.write_table(pa.table({"person_id": _codes("P", np.arange(roster_n), 9),
                             "jurisdiction_code": pa.array(grids[grid])}), folder / "roster.parquet")
    truth |= {"samples": n, "tubes": n_tubes, "roster": roster_n, "untested": roster_n - n}
    truth["persons_recheck"] = int(np.bincount(tube, minlength=n_tubes)[truth.pop("_recheck_tubes")].sum())
    truth["persons_pending"] = int(np.bincount(tube, minlength=n_tubes)[truth.pop("_pending_tubes")].sum())
    return truth


def _results(rng, positive: np.ndarray, last: np.ndarray) -> tuple[pa.Table, dict]:
    """One result per reported tube (0.3% pending, 0.02% indeterminate, 0.1% re-sent identically)."""
    n_tubes = positive.size
    pending = rng.random(n_tubes) < 0.003
    indeterminate = ~positive & (rng.random(n_tubes) < 0.0002)
    ct = np.round(rng.uniform(18, 34, n_tubes), 1)
    ct_n = np.where(indeterminate, np.round(rng.uniform(35.5, 38, n_tubes), 1), np.round(ct - 1, 1))
    hours = np.exp(rng.normal(np.log(8), 0.45, n_tubes))  # median 8 h; about 1 in 30 over 18 h
    reported = last + (hours * 3600).astype(np.int64)
    keep = np.flatnonzero(~pending)
    keep = np.concatenate([keep, rng.choice(keep, size=keep.size // 1000, replace=False)])  # re-sent rows
    keep = rng.permutation(keep)  # labs report in their own order
    result = np.where(positive, "positive", np.where(indeterminate, "indeterminate", "negative"))
    table = pa.table({
        "tube_id": _codes("T", keep, 8), "result": pa.array(result[keep]),
        "ct_orf1ab": pa.array(ct[keep], mask=~positive[keep]),
        "ct_n": pa.array(ct_n[keep], mask=~(positive | indeterminate)[keep]),
        "lab_id": _codes("LAB", keep % 20, 2), "reported_at": _stamps(reported[keep], "%Y-%m-%dT%H:%M:%S"),
    })
    truth = {"tubes_positive": int((positive & ~pending).sum()), "tubes_indeterminate": int((indeterminate & ~pending).sum()),
             "tubes_pending": int(pending.sum()), "result_rows": int(keep.size),
             "_recheck_tubes": (positive | indeterminate) & ~pending, "_pending_tubes": pending}
    return table, truth


def ensure_files(out: Path, n: int, seed: int, log) -> tuple[Path, dict]:
    folder = out / f"round-{n}-s{seed}"
    done = folder / "truth.json"
    if done.exists():
        return folder, json.loads(done.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    t0 = time.perf_counter()
    truth = generate(n, seed, folder)
    done.write_text(json.dumps(truth, indent=2))
    log(f"generated {n:,} samples in {time.perf_counter() - t0:.1f} s into {folder}")
    return folder, truth


# --------------------------------------------------------------------------------------------
# Workers (each in its own subprocess: `screening_round.py --worker ENGINE ...`)
# --------------------------------------------------------------------------------------------


def comparable(summary: dict) -> dict:
    """The figures every engine must agree on (the pandas baseline's summary has this shape)."""
    tat = summary["turnaround_hours"]
    targets = {k: v["within"] if isinstance(v, dict) else v for k, v in tat["targets"].items()}
    cov = summary.get("coverage", {})
    return {"samples": summary["samples"], "tubes": summary["tubes"], "results": summary["results"],
            "persons_by_status": summary["persons_by_status"], "tubes_by_status": summary["tubes_by_status"],
            "turnaround_hours": {**{k: tat[k] for k in ("reported_tubes", "p50", "p90", "p95", "max")},
                                 "targets": targets},
            "coverage": {k: cov.get(k) for k in ("grids", "roster", "sampled_in_roster", "untested")}}


def engine_round(engine: str, folder: Path, out: Path) -> dict:
    """upload, resolve, write with fangkong.screening.engine; returns the step times and summary."""
    from fangkong.screening.engine import io, model, run

    times, t0 = {}, time.perf_counter()
    with run.open_runner(engine, timezone=TIMEZONE) as runner:
        loaded = run.load(runner, samples=folder / "samples.csv", results=folder / "results.csv",
                          roster=folder / "roster.parquet")
        _, problems = run.check(runner, loaded, pool_size=POOL)
        times["upload_s"], t0 = time.perf_counter() - t0, time.perf_counter()
        if problems:
            return {"error": f"{problems} problems in generated data", **times}
        people, tubes = run.resolve_tables(runner, loaded, ct_threshold=CT_THRESHOLD)
        summary = model.summarise(person_status=people, tubes=tubes, results_rows=run.result_rows(runner),
                                  pool_size=POOL, ct_threshold=CT_THRESHOLD)
        times["resolve_s"], t0 = time.perf_counter() - t0, time.perf_counter()
        cov = run.coverage(runner, loaded)
        io.write_round(out, model.Resolution(people, tubes, summary), cov)
        times["write_s"] = time.perf_counter() - t0
    return {**times, "summary": comparable({**summary, "coverage": cov.summary})}


def pandas_round(folder: Path, out: Path) -> dict:
    pdr = _sibling("_screening_pandas")
    times, t0 = {}, time.perf_counter()
    s, r, problems = pdr.upload(folder / "samples.csv", folder / "results.csv", pool=POOL, tz=TIMEZONE)
    times["upload_s"], t0 = time.perf_counter() - t0, time.perf_counter()
    if any(problems.values()):
        return {"error": f"problems in generated data: {problems}", **times}
    people, tubes = pdr.resolve(s, r, threshold=CT_THRESHOLD)
    summary = pdr.summary(people, tubes, len(r))
    times["resolve_s"], t0 = time.perf_counter() - t0, time.perf_counter()
    summary = pdr.write(out, people, tubes, s, folder / "roster.parquet", summary)
    times["write_s"] = time.perf_counter() - t0
    return {**times, "summary": comparable(summary)}


def warm_up(engine: str, scratch: Path) -> None:
    """A 2,000-sample round first, not counted: lazy imports, Spark's session and first jobs."""
    folder, _ = ensure_files(scratch, 2000, 7, lambda _: None)
    if engine == "pandas":
        pandas_round(folder, scratch / "warm-out")
    else:
        engine_round(engine, folder, scratch / "warm-out")


def worker(engine: str, folder: Path, out: Path, scratch: Path) -> dict:
    import resource

    warm_up(engine, scratch)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6
    doc = pandas_round(folder, out) if engine == "pandas" else engine_round(engine, folder, out)
    doc.update(engine=engine, rss_after_warmup_mb=rss_before)
    if "error" not in doc:
        doc["run_s"] = sum(doc[k] for k in STEPS)
    return doc


# --------------------------------------------------------------------------------------------
# Harness: run the workers, compare, report
# --------------------------------------------------------------------------------------------


def worker_cmd(args, engine: str, folder: Path, out: Path) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--worker", engine, "--folder", str(folder),
            "--result-dir", str(out), "--out", str(args.out)]


def compare(docs: dict[str, dict], truth: dict) -> dict:
    """Speed ratios against pandas, agreement between engines and with the generator's truth."""
    ok = {e: d for e, d in docs.items() if not d.get("error")}
    base = ok.get("pandas")
    ref = next(iter(ok.values()))["summary"] if ok else None
    out = {}
    for engine, d in ok.items():
        s = d["summary"]
        truthful = (s["tubes_by_status"]["positive"] == truth["tubes_positive"]
                    and s["tubes_by_status"]["pending"] == truth["tubes_pending"]
                    and s["persons_by_status"]["recheck"] == truth["persons_recheck"]
                    and s["persons_by_status"]["pending"] == truth["persons_pending"]
                    and s["coverage"]["untested"] == truth["untested"])
        out[engine] = {"speedup_vs_pandas": base["run_s"] / d["run_s"] if base else None,
                       "agrees": s == ref, "matches_truth": truthful}
    return out


def verdicts(docs: dict[str, dict], ratios: dict, n: int) -> list[str]:
    lines = []
    duck = docs.get("duckdb", {})
    if duck.get("run_s") is not None:
        target = TARGET_S.get(n)
        size = f"{n:,} samples"
        if target:
            lines.append(f"DuckDB end to end {duck['run_s']:.2f} s at {size} — target < {target:.0f} s: "
                         f"{'met' if duck['run_s'] < target else 'NOT met'}")
        lines.append(f"DuckDB peak RSS {duck['peak_rss_mb']:,.0f} MB — target < {TARGET_RSS_MB:,.0f} MB"
                     f"{'' if n == 10_000_000 else ' (stated at 10,000,000; indicative)'}: "
                     f"{'met' if duck['peak_rss_mb'] < TARGET_RSS_MB else 'NOT met'}")
        speed = ratios.get("duckdb", {}).get("speedup_vs_pandas")
        if speed:
            lines.append(f"DuckDB {speed:.2f}× pandas — target ≥ {TARGET_SPEEDUP:.0f}×: "
                         f"{'met' if speed >= TARGET_SPEEDUP else 'NOT met'}")
    for engine, r in ratios.items():
        if not (r["agrees"] and r["matches_truth"]):
            lines.append(f"DISAGREEMENT: {engine} summary differs from the others or from the generator's truth")
    lines += [f"ERROR {e}: {d['error']}" for e, d in docs.items() if d.get("error")]
    return lines


COLUMNS = ("engine", "samples", "upload s", "resolve s", "write s", "total s", "peak RSS MB", "× pandas", "agrees")


def table_rows(docs: dict[str, dict], ratios: dict, n: int) -> list[list[str]]:
    rows = []
    for engine, d in docs.items():
        if d.get("error"):
            rows.append([engine, f"{n:,}", "error", "—", "—", "—", "—", "—", "—"])
            continue
        r = ratios[engine]
        speed = "—" if r["speedup_vs_pandas"] is None else f"{r['speedup_vs_pandas']:.2f}×"
        rows.append([engine, f"{n:,}", *(f"{d[k]:.2f}" for k in (*STEPS, "run_s")), f"{d['peak_rss_mb']:,.0f}",
                     speed, "yes" if r["agrees"] and r["matches_truth"] else "NO"])
    return rows


def render(docs: dict, ratios: dict, meta: dict) -> tuple[str, str]:
    from rich.console import Console
    from rich.table import Table

    title = (f"screening_round: {meta['samples']:,} samples in {meta['tubes']:,} tubes ({POOL}-in-1), prevalence "
             f"{PREVALENCE:.1%}, {meta['cpus']} CPUs, load avg at start {meta['load_avg_at_start']:.2f}")
    rows, lines = table_rows(docs, ratios, meta["samples"]), verdicts(docs, ratios, meta["samples"])
    console = Console(record=True, width=200)
    table = Table(title=title, title_justify="left")
    for col in COLUMNS:
        table.add_column(col, justify="left" if col == "engine" else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for line in lines:
        console.print(line, markup=False, highlight=False)
    md = [f"**{title}**", "", "| " + " | ".join(COLUMNS) + " |",
          "|" + "|".join("---" if c == "engine" else "---:" for c in COLUMNS) + "|"]
    md += ["| " + " | ".join(r) + " |" for r in rows] + [""] + [f"* {line}" for line in lines]
    return console.export_text(), "\n".join(md) + "\n"


def parse_args(argv: list[str] | None = None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--samples", type=int, default=10_000_000, help="samples in the round (tubes: samples ÷ 10)")
    p.add_argument("--engines", default=",".join(ENGINES), help="comma-separated: duckdb, spark, pandas")
    p.add_argument("--seed", type=int, default=6)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the generated files and the results")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds per engine before it is killed")
    p.add_argument("--keep-output", action="store_true", help="keep each engine's output folder")
    p.add_argument("--sim-check", type=int, metavar="PERSONS",
                   help="instead: simulate a city of PERSONS with one 10-in-1 round and check the engine against "
                        "the truth (fangkong.screening.engine.simcheck)")
    p.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    p.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--result-dir", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.engine_list = [e.strip() for e in args.engines.split(",") if e.strip()]
    if unknown := set(args.engine_list) - set(ENGINES):
        p.error(f"unknown engine(s) {', '.join(sorted(unknown))}: {', '.join(ENGINES)}")
    if args.samples < POOL:
        p.error(f"need at least {POOL} samples")
    return args


def sim_check(persons: int, seed: int, out: Path) -> dict:
    """The simulator's round resolved by the engine against the truth; figures to --out."""
    from fangkong.screening.engine.simcheck import check_round

    scratch = out / f"sim-check-{persons}-s{seed}"
    shutil.rmtree(scratch, ignore_errors=True)
    t0 = time.perf_counter()
    try:
        figures = check_round(population=persons, seed=seed, out=scratch, seed_infections=max(20, persons // 250))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    figures["wall_s"] = round(time.perf_counter() - t0, 1)
    (out / f"sim-check-{persons}-s{seed}.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))
    ok = figures["missed_detectable"] == 0 and figures["positive_tubes_without_detectable_member"] == 0
    print("finds every PCR-detectable person and no tube without one:", "yes" if ok else "NO")
    if not ok:
        sys.exit(1)
    return figures


def _exit_on_sigterm(signum, frame):  # run the finally blocks: remove the outputs
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    if args.worker:
        doc = worker(args.worker, args.folder, args.result_dir, args.out / "warmup")
        print(json.dumps(doc), flush=True)
        sys.exit(0 if "error" not in doc else 3)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if args.sim_check:
        return sim_check(args.sim_check, args.seed, args.out)

    def log(msg: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {msg}", flush=True)

    run_worker = _sibling("sim_vs_covasim").run_worker
    (args.out / "logs").mkdir(parents=True, exist_ok=True)
    folder, truth = ensure_files(args.out, args.samples, args.seed, log)
    meta = {"samples": args.samples, "tubes": truth["tubes"], "seed": args.seed, "cpus": os.cpu_count(),
            "load_avg_at_start": os.getloadavg()[0], "python": platform.python_version(),
            "machine": platform.platform(), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    stem = f"screening_round-{args.samples}-s{args.seed}"
    docs: dict[str, dict] = {}
    for engine in args.engine_list:
        result_dir = args.out / f"{stem}-{engine}"
        try:
            docs[engine] = run_worker(worker_cmd(args, engine, folder, result_dir), args.timeout,
                                      args.out / "logs" / f"{stem}-{engine}.log")
        finally:
            if not args.keep_output:
                shutil.rmtree(result_dir, ignore_errors=True)
        d = docs[engine]
        log(f"{engine}: " + (f"ERROR {d['error']}" if d.get("error") else
            f"{d['run_s']:.2f} s (upload {d['upload_s']:.2f}, resolve {d['resolve_s']:.2f}, write {d['write_s']:.2f}), "
            f"peak RSS {d['peak_rss_mb']:,.0f} MB"))
    ratios = compare(docs, truth)
    meta["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    text, markdown = render(docs, ratios, meta)
    result = {"meta": meta, "truth": truth, "targets": {"seconds": TARGET_S, "peak_rss_mb": TARGET_RSS_MB,
                                                         "speedup_vs_pandas": TARGET_SPEEDUP},
              "runs": docs, "ratios": ratios, "table": text, "markdown": markdown}
    (args.out / f"{stem}.md").write_text(markdown)
    (args.out / f"{stem}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    log(f"results written to {args.out / stem}.md and .json")
    if any(d.get("error") for d in docs.values()) or not all(r["agrees"] and r["matches_truth"] for r in ratios.values()):
        sys.exit(1)
    return result


if __name__ == "__main__":
    main()
