"""Time Fangkong's agent-based simulator against Covasim on the same population size and horizon.

    bash benchmarks/covasim-env.sh                      # once: Covasim in its own venv
    python benchmarks/sim_vs_covasim.py --population 1000000 --days 60 --seed 1 --repeats 1

Workload: N agents for D days, the same N, D and seed on both sides, each engine in its own
subprocess so that its peak RSS is its own.

* **Fangkong** (system python, this project): ``fangkong.sim.build_city(population=N, seed=S)``
  and ``fangkong.sim.run_sim(city=…, days=D, seed=S, config=…, interventions=[], out=…)``, timed
  separately.
  The run includes writing the run folder (per-day ``visits/`` and ``checkins/`` Parquet,
  ``infections.parquet``, ``daily.csv``, ...) into a scratch folder under ``--out``, deleted
  afterwards unless ``--keep-sim-output``. It seeds ``--pop-infected`` infections like Covasim and
  runs no interventions; presence intervals are written only with ``--presence``.
* **Covasim 4.0.1** (the baseline; ``benchmarks/.venv-covasim``, see ``covasim-env.sh``), run by
  ``_covasim_run.py``: ``cv.Sim(pop_size=N, n_days=D, pop_type='hybrid', pop_infected=100,
  rand_seed=S, verbose=0)`` with no interventions. ``pop_type='hybrid'`` has household, school,
  work and community layers, like Fangkong's city; ``--covasim-pop-type random,hybrid`` runs both.
  ``sim.initialize()`` and ``sim.run()`` are timed separately.

Both workers run a 1,000-agent, 5-day warm-up first (numba JIT or its cache, lazy imports), which
is not counted; nor are the imports. Peak RSS is the worker's ``ru_maxrss`` from ``os.wait4``,
or the sampled RSS of its whole process tree if that is higher. Figures are medians over
``--repeats`` (the engines alternate within each repeat).

Target (issue 4): Fangkong **≥ 5× Covasim's speed at 1,000,000 agents × 60 days**, with peak
memory **< 2 GB** (2,000 MB). Speed ratio = Covasim run s ÷ Fangkong run s (the same agents ×
days on both sides); the ratio of total times (build + run) is reported too. See
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "out" / "sim_vs_covasim"
DEFAULT_COVASIM_PYTHON = HERE / ".venv-covasim" / "bin" / "python"
COVASIM_WORKER = HERE / "_covasim_run.py"

TARGET_SPEEDUP = 5.0  # Fangkong speed ÷ Covasim speed, at TARGET_SIZE
TARGET_RSS_MB = 2000.0  # "< 2 GB", read as 2,000 MB (10^6 bytes), the stricter reading
TARGET_SIZE = (1_000_000, 60)  # agents, days
WARMUP_POPULATION, WARMUP_DAYS = 1000, 5


# --------------------------------------------------------------------------------------------
# Fangkong worker (runs in its own subprocess: `sim_vs_covasim.py --worker fangkong ...`)
# --------------------------------------------------------------------------------------------


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def _dir_stats(path: Path) -> dict:
    files = [p for p in path.rglob("*") if p.is_file()]
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files),
            **{f"{sub}_files": len(list((path / sub).glob("*"))) for sub in ("visits", "checkins") if (path / sub).is_dir()}}


def _epidemic_summary(df) -> dict:
    """Epidemic size from result.to_df(): cumulative infections, peak I (duck-typed: pandas or a dict of columns)."""
    out: dict = {}
    try:
        names = df.column_names if hasattr(df, "column_names") else list(df.columns if hasattr(df, "columns") else df)
        cols = {}
        for c in ("new_infections", "I", "E", "R"):
            if c in names:
                col = df[c]
                cols[c] = [float(v) for v in (col.to_pylist() if hasattr(col, "to_pylist") else col)]
    except Exception as exc:  # an unexpected frame type: report, do not fail the timing
        return {"error": repr(exc)}
    if "new_infections" in cols:
        out["cum_infections"] = sum(cols["new_infections"])
    for c in ("I", "E"):
        if c in cols and cols[c]:
            out[f"peak_{c}"] = max(cols[c])
    if "R" in cols and cols["R"]:
        out["final_R"] = cols["R"][-1]
    return out


def fangkong_worker(population: int, days: int, seed: int, sim_out: Path, warmup: bool, *, seed_infections: int = 100,
                    presence: bool = False) -> dict:
    """Time build_city and run_sim in this process; print one JSON line. Called in a subprocess."""
    t0 = time.perf_counter()
    try:
        from fangkong.sim import RunConfig, build_city, run_sim
    except ImportError as exc:
        return {"engine": "fangkong", "error": f"fangkong.sim.build_city/run_sim not available ({exc}); "
                                              "pass --skip-fangkong to time Covasim alone"}
    import_s = time.perf_counter() - t0

    warmup_s = warmup_error = None
    if warmup:
        t0 = time.perf_counter()
        try:
            with tempfile.TemporaryDirectory(prefix="fangkong-warmup-") as tmp:
                run_sim(city=build_city(population=WARMUP_POPULATION, seed=seed), days=WARMUP_DAYS, seed=seed,
                        scenario=None, out=Path(tmp), progress=False)
        except Exception as exc:  # a small-city failure must not block the timed run; it is reported
            warmup_error = repr(exc)
        warmup_s = time.perf_counter() - t0
    rss_before_mb = _rss_mb()

    t0 = time.perf_counter()
    city = build_city(population=population, seed=seed)
    build_s = time.perf_counter() - t0
    rss_after_build_mb = _rss_mb()
    t0 = time.perf_counter()
    # The same seeded infections as Covasim's pop_infected and no interventions, as on Covasim's side.
    config = RunConfig(seed_infections=seed_infections, presence=presence)
    result = run_sim(city=city, days=days, seed=seed, config=config, interventions=[], out=sim_out, progress=False)
    run_s = time.perf_counter() - t0

    import resource

    return {
        "engine": "fangkong",
        "agents": population,
        "days": days,
        "seed": seed,
        "import_s": import_s,
        "warmup_s": warmup_s,
        "warmup_error": warmup_error,
        "build_s": build_s,
        "run_s": run_s,
        "rss_before_mb": rss_before_mb,
        "rss_after_build_mb": rss_after_build_mb,
        "peak_rss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6,
        "epidemic": _epidemic_summary(result.to_df()),
        "output": _dir_stats(sim_out),
        "python": platform.python_version(),
    }


# --------------------------------------------------------------------------------------------
# Running a worker: wall time, peak RSS (os.wait4 ru_maxrss and sampled process-tree RSS)
# --------------------------------------------------------------------------------------------


def _tree_rss_bytes(root: int) -> int:
    """RSS of `root` and all its descendants now, from /proc/*/stat."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21])
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, ()))
    return total * os.sysconf("SC_PAGE_SIZE")


def run_worker(cmd: list[str], timeout: float, log_path: Path, env: dict | None = None,
               sample_every: float = 0.2) -> dict:
    """Run `cmd`; return its last stdout JSON line plus wall_s, peak_rss_mb and the exit status.

    Peak RSS: ``ru_maxrss`` from ``os.wait4`` for this child (the child's own peak, or its
    largest reaped descendant's), and the peak of the summed RSS of its process tree sampled every
    ``sample_every`` s. ``peak_rss_mb`` is the larger of the two, so a worker that fans out into
    several processes is charged for all of them.
    """
    with open(log_path, "wb") as stderr, tempfile.TemporaryFile() as stdout:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, env=env)
        tree_peak, status, rusage, timed_out = 0, None, None, False
        try:
            while True:
                pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
                if pid == proc.pid:
                    break
                tree_peak = max(tree_peak, _tree_rss_bytes(proc.pid))
                if time.perf_counter() - t0 > timeout:
                    timed_out = True
                    proc.kill()
                    _, status, rusage = os.wait4(proc.pid, 0)
                    break
                time.sleep(sample_every)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        wall_s = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4; keep Popen from waiting again
        stdout.seek(0)
        out_text = stdout.read().decode(errors="replace")
    maxrss_mb = rusage.ru_maxrss * 1024 / 1e6
    doc: dict = {}
    for line in reversed(out_text.splitlines()):
        if line.startswith("{"):
            try:
                doc = json.loads(line)
                break
            except ValueError:
                pass
    doc.update(wall_s=wall_s, returncode=proc.returncode, maxrss_mb=maxrss_mb, tree_peak_rss_mb=tree_peak / 1e6,
               peak_rss_mb=max(maxrss_mb, tree_peak / 1e6))
    if timed_out:
        doc["error"] = f"timed out after {timeout:.0f} s"
    elif proc.returncode != 0 and "error" not in doc:
        lines = [ln.strip() for ln in log_path.read_text(errors="replace").splitlines()]
        tail = [ln for ln in lines if ln and set(ln) - set("^~ ")][-4:]  # skip traceback underlines
        doc["error"] = f"exit status {proc.returncode}: " + " | ".join(tail) + f" (full log: {log_path})"
    elif "run_s" not in doc and "error" not in doc:
        doc["error"] = "worker printed no result"
    return doc


def covasim_cmd(args, pop_type: str) -> list[str]:
    cmd = [str(args.covasim_python), str(COVASIM_WORKER), "--pop-size", str(args.population), "--days",
           str(args.days), "--seed", str(args.seed), "--pop-type", pop_type, "--pop-infected", str(args.pop_infected)]
    return cmd + (["--no-warmup"] if args.no_warmup else [])


def fangkong_cmd(args, sim_out: Path) -> list[str]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "fangkong", "--population", str(args.population),
           "--days", str(args.days), "--seed", str(args.seed), "--sim-out", str(sim_out),
           "--pop-infected", str(args.pop_infected)] + (["--presence"] if args.presence else [])
    return cmd + (["--no-warmup"] if args.no_warmup else [])


# --------------------------------------------------------------------------------------------
# Aggregation and report
# --------------------------------------------------------------------------------------------

FIGURES = ("build_s", "run_s", "total_s", "peak_rss_mb", "person_days_per_s")


def summarize(label: str, runs: list[dict]) -> dict:
    """Medians over the successful repeats of one engine/setup."""
    ok = [r for r in runs if not r.get("error")]
    row: dict = {"label": label, "engine": label.split()[0],
                 "repeats": len(ok), "errors": [r["error"] for r in runs if r.get("error")],
                 "warmup_errors": sorted({r["warmup_error"] for r in ok if r.get("warmup_error")})}
    for r in ok:
        r["total_s"] = r["build_s"] + r["run_s"]
        r["person_days_per_s"] = r["agents"] * r["days"] / r["run_s"] if r["run_s"] > 0 else None
    for key in FIGURES:
        vals = [r[key] for r in ok if r.get(key) is not None]
        row[key] = statistics.median(vals) if vals else None
        row[f"{key}_range"] = (min(vals), max(vals)) if vals else None
    if ok:
        row["agents"], row["days"] = ok[0]["agents"], ok[0]["days"]
        epi = [r.get("epidemic", {}).get("cum_infections") for r in ok]
        epi = [e for e in epi if e is not None]
        row["cum_infections"] = statistics.median(epi) if epi else None
    return row


def compare(rows: list[dict]) -> list[dict]:
    """Fangkong ÷ each Covasim setup: speed ratios (run and total) and the targets."""
    fk = next((r for r in rows if r["engine"] == "fangkong" and r.get("run_s")), None)
    out = []
    for cv in (r for r in rows if r["engine"] == "covasim" and r.get("run_s")):
        if fk is None:
            continue
        speed_run = cv["run_s"] / fk["run_s"]
        speed_total = cv["total_s"] / fk["total_s"]
        out.append({"baseline": cv["label"], "speedup_run": speed_run, "speedup_total": speed_total,
                    "meets_speed_target": speed_run >= TARGET_SPEEDUP,
                    "meets_speed_target_total": speed_total >= TARGET_SPEEDUP})
    return out


def _f(v, spec: str = ",.2f") -> str:
    return "—" if v is None else format(v, spec)


def _cell(row: dict, key: str, spec: str) -> str:
    text = _f(row.get(key), spec)
    rng = row.get(f"{key}_range")
    if row.get("repeats", 0) > 1 and rng and rng[0] != rng[1]:
        text += f" ({format(rng[0], spec)}–{format(rng[1], spec)})"
    return text


COLUMNS = ("engine", "agents", "days", "build/initialize s", "run s", "total s", "person-days/s",
           "peak RSS MB", "cum. infections", "speed ×Covasim (run)", "speed ×Covasim (total)")


def table_rows(rows: list[dict], comparisons: list[dict]) -> list[list[str]]:
    ref = comparisons[0] if comparisons else None  # ratios in the table: against the first Covasim setup
    out = []
    for r in rows:
        if r.get("run_s") is None:
            out.append([r["label"], "—", "—", "error", "error", "—", "—", "—", "—", "—", "—"])
            continue
        if r["engine"] == "fangkong" and ref:
            ratio_run, ratio_total = f"{ref['speedup_run']:.2f}×", f"{ref['speedup_total']:.2f}×"
        elif r["engine"] == "covasim":
            ratio_run = ratio_total = "1.00×" if ref and ref["baseline"] == r["label"] else "—"
        else:
            ratio_run = ratio_total = "—"
        out.append([r["label"], f"{r['agents']:,}", str(r["days"]), _cell(r, "build_s", ",.2f"), _cell(r, "run_s", ",.2f"),
                    _cell(r, "total_s", ",.2f"), _cell(r, "person_days_per_s", ",.0f"), _cell(r, "peak_rss_mb", ",.0f"),
                    _f(r.get("cum_infections"), ",.0f"), ratio_run, ratio_total])
    return out


def verdict_lines(rows: list[dict], comparisons: list[dict], meta: dict) -> list[str]:
    lines = []
    at_target = (meta["population"], meta["days"]) == TARGET_SIZE
    size_note = "" if at_target else (f" (the target is stated at {TARGET_SIZE[0]:,} × {TARGET_SIZE[1]} days; "
                                      f"this run is {meta['population']:,} × {meta['days']}: indicative only)")
    for c in comparisons:
        lines.append(f"Fangkong speed ÷ {c['baseline']} speed: run {c['speedup_run']:.2f}×, "
                     f"total {c['speedup_total']:.2f}× — target ≥ {TARGET_SPEEDUP:.0f}×: "
                     f"{'met' if c['meets_speed_target'] else 'NOT met'} on run time, "
                     f"{'met' if c['meets_speed_target_total'] else 'NOT met'} on total{size_note}")
    fk = next((r for r in rows if r["engine"] == "fangkong" and r.get("peak_rss_mb")), None)
    if fk:
        ok = fk["peak_rss_mb"] < TARGET_RSS_MB
        lines.append(f"Fangkong peak RSS {fk['peak_rss_mb']:,.0f} MB — target < {TARGET_RSS_MB:,.0f} MB: "
                     f"{'met' if ok else 'NOT met'}{size_note}")
    for r in rows:
        for err in r.get("errors", []):
            lines.append(f"ERROR {r['label']}: {err}")
        for err in r.get("warmup_errors", []):
            lines.append(f"WARNING {r['label']}: the warm-up failed, so JIT/lazy imports may be in the timing: {err}")
    return lines


def title(meta: dict) -> str:
    return (f"sim_vs_covasim: {meta['population']:,} agents × {meta['days']} days, seed {meta['seed']}, "
            f"median of {meta['repeats']} repeat(s), {meta['cpus']} CPUs, load avg at start {meta['load_avg_at_start']:.2f}")


def render_rich(rows: list[dict], comparisons: list[dict], meta: dict) -> str:
    from rich.console import Console
    from rich.table import Table

    console = Console(record=True, width=300)
    t = Table(title=title(meta), title_justify="left")
    for col in COLUMNS:
        t.add_column(col, justify="left" if col == "engine" else "right", no_wrap=True)
    for cells in table_rows(rows, comparisons):
        t.add_row(*cells)
    console.print(t)
    for line in verdict_lines(rows, comparisons, meta) + notes(meta):
        console.print(line, markup=False, highlight=False)
    return console.export_text()


def notes(meta: dict) -> list[str]:
    return [f"Not counted: imports and a {WARMUP_POPULATION:,}-agent × {WARMUP_DAYS}-day warm-up per worker "
            f"(numba JIT / cache){' — warm-up DISABLED (--no-warmup)' if meta['no_warmup'] else ''}. "
            "Fangkong's run includes writing visits/ and checkins/ Parquet. "
            "Covasim: no interventions, pop_infected " + str(meta["pop_infected"]) + "."]


def render_markdown(rows: list[dict], comparisons: list[dict], meta: dict) -> str:
    lines = [f"**{title(meta)}**", "", "| " + " | ".join(COLUMNS) + " |",
             "|" + "|".join("---" if c == "engine" else "---:" for c in COLUMNS) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in table_rows(rows, comparisons)]
    lines += [""] + [f"* {line}" for line in verdict_lines(rows, comparisons, meta) + notes(meta)]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--population", type=int, default=1_000_000, help="agents, on both sides")
    p.add_argument("--days", type=int, default=60)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeats", type=int, default=1, help="figures are medians over the repeats")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the markdown and JSON results")
    p.add_argument("--skip-covasim", action="store_true", help="Fangkong only (e.g. where the Covasim venv is absent)")
    p.add_argument("--skip-fangkong", action="store_true", help="Covasim only")
    p.add_argument("--covasim-python", type=Path, default=Path(os.environ.get("COVASIM_PYTHON", DEFAULT_COVASIM_PYTHON)),
                   help="python of the Covasim venv (default benchmarks/.venv-covasim; create it with covasim-env.sh)")
    p.add_argument("--covasim-pop-type", default="hybrid",
                   help="Covasim population(s), comma-separated: hybrid (household/school/work/community, default) "
                        "and/or random (one layer, 20 contacts/day); speed ratios are taken against the first")
    p.add_argument("--pop-infected", type=int, default=100,
                   help="initial infections on both sides (Covasim pop_infected, Fangkong seed_infections)")
    p.add_argument("--presence", action="store_true",
                   help="Fangkong also writes 800 m cell presence (not part of the target's workload)")
    p.add_argument("--no-warmup", action="store_true", help="count JIT/warm-up in the timed runs (both engines)")
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds per worker run before it is killed")
    p.add_argument("--keep-sim-output", action="store_true", help="keep Fangkong's Parquet output under --out")
    # internal: the Fangkong worker subprocess
    p.add_argument("--worker", choices=("fangkong",), help=argparse.SUPPRESS)
    p.add_argument("--sim-out", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.covasim_pop_types = [t.strip() for t in args.covasim_pop_type.split(",") if t.strip()]
    for t in args.covasim_pop_types:
        if t not in ("hybrid", "random"):
            p.error(f"unknown Covasim pop_type {t!r} (hybrid, random)")
    if args.population < 1 or args.days < 1 or args.repeats < 1:
        p.error("need population ≥ 1, days ≥ 1, repeats ≥ 1")
    if args.skip_covasim and args.skip_fangkong:
        p.error("nothing to run: both --skip-covasim and --skip-fangkong")
    if not args.worker and not args.skip_covasim and not args.covasim_python.exists():
        p.error(f"{args.covasim_python} not found: run `bash benchmarks/covasim-env.sh` first, or pass --skip-covasim")
    return args


def _exit_on_sigterm(signum, frame):  # run the finally blocks: kill the worker, drop scratch output
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    if args.worker == "fangkong":
        doc = fangkong_worker(args.population, args.days, args.seed, args.sim_out, warmup=not args.no_warmup,
                              seed_infections=args.pop_infected, presence=args.presence)
        print(json.dumps(doc), flush=True)
        sys.exit(0 if "error" not in doc else 3)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)

    def log(msg: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {msg}", flush=True)

    logs = args.out / "logs"  # each worker's stderr
    logs.mkdir(parents=True, exist_ok=True)
    stem = f"sim_vs_covasim-{args.population}-{args.days}d-s{args.seed}"
    meta = {"population": args.population, "days": args.days, "seed": args.seed, "repeats": args.repeats,
            "pop_infected": args.pop_infected, "no_warmup": args.no_warmup,
            "covasim_pop_types": [] if args.skip_covasim else args.covasim_pop_types,
            "fangkong": not args.skip_fangkong, "cpus": os.cpu_count(), "load_avg_at_start": os.getloadavg()[0],
            "python": platform.python_version(), "machine": platform.platform(),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    runs: dict[str, list[dict]] = {}
    for rep in range(1, args.repeats + 1):
        if not args.skip_covasim:
            for pop_type in args.covasim_pop_types:
                label = f"covasim ({pop_type})"
                doc = run_worker(covasim_cmd(args, pop_type), args.timeout, logs / f"{stem}-covasim-{pop_type}-r{rep}.log")
                runs.setdefault(label, []).append(doc)
                log(f"[{rep}/{args.repeats}] {label}: " + (f"ERROR {doc['error']}" if doc.get("error") else
                    f"initialize {doc['build_s']:.2f} s, run {doc['run_s']:.2f} s, peak RSS {doc['peak_rss_mb']:,.0f} MB"))
        if not args.skip_fangkong:
            sim_out = args.out / f"{stem}-fangkong-r{rep}"
            shutil.rmtree(sim_out, ignore_errors=True)
            try:
                doc = run_worker(fangkong_cmd(args, sim_out), args.timeout, logs / f"{stem}-fangkong-r{rep}.log")
            finally:
                if not args.keep_sim_output:
                    shutil.rmtree(sim_out, ignore_errors=True)
            runs.setdefault("fangkong", []).append(doc)
            log(f"[{rep}/{args.repeats}] fangkong: " + (f"ERROR {doc['error']}" if doc.get("error") else
                f"build {doc['build_s']:.2f} s, run {doc['run_s']:.2f} s, peak RSS {doc['peak_rss_mb']:,.0f} MB, "
                f"output {doc.get('output', {}).get('bytes', 0) / 1e6:,.0f} MB"
                + (f" (WARNING: warm-up failed: {doc['warmup_error']})" if doc.get("warmup_error") else "")))

    rows = [summarize(label, rs) for label, rs in runs.items()]
    comparisons = compare(rows)
    meta["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    text = render_rich(rows, comparisons, meta)
    markdown = render_markdown(rows, comparisons, meta)
    doc = {"meta": meta, "targets": {"speedup": TARGET_SPEEDUP, "at": {"agents": TARGET_SIZE[0], "days": TARGET_SIZE[1]},
                                     "peak_rss_mb": TARGET_RSS_MB},
           "rows": rows, "comparisons": comparisons, "runs": runs, "table": text, "markdown": markdown}
    (args.out / f"{stem}.md").write_text(markdown)
    (args.out / f"{stem}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2))
    log(f"results written to {args.out / stem}.md and .json")
    if any(r.get("errors") for r in rows):
        sys.exit(1)
    return doc


if __name__ == "__main__":
    main()
