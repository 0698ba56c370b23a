"""Load N persons and M cases through the real import path, then query the real app under load.

    python benchmarks/load_and_query.py --persons 1000000 --cases 100000 --clients 20 \
        --backends sqlite,postgresql --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Steps, per backend: a fresh database, ``fangkong.db.upgrade``, the demo jurisdiction tree, two users;
then ``import_persons`` and ``import_cases`` are timed (rows/s); then the app is served by uvicorn
(one worker, a subprocess) and ``--clients`` concurrent HTTP clients run a fixed number of requests
per scenario, recording each request's latency. See benchmarks/README.md for the targets.

The PostgreSQL database named by --pg-url is treated as a throwaway: its ``public`` schema is
dropped and recreated.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "out"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# Every generated date lies on or before this day (fixed, so a cached file never changes).
END = date(2022, 4, 30)
CITY_ARGS = dict(seed=2022, persons=10, cases=0)  # only the demo city's jurisdiction tree is used
PASSWORD = "bench-pass-2022"
USERS = {  # username: (role, jurisdiction)
    "bench_admin": ("admin", "320100"),
    "bench_epi_district": ("epidemiologist", "320102"),
}

# name -> (user, description, target p95 in ms or None)
SCENARIOS: dict[str, tuple[str, str, float | None]] = {
    "list_first_admin": ("bench_admin", "GET /cases?limit=50, city admin", 50.0),
    "list_first_district": ("bench_epi_district", "GET /cases?limit=50, district epidemiologist", 50.0),
    "list_deep_admin": ("bench_admin", "GET /cases?limit=50&cursor=<~90% deep>, city admin", None),
    "list_deep_district": ("bench_epi_district", "GET /cases?limit=50&cursor=<~90% deep>, district epi", None),
    "case_detail": ("bench_admin", "GET /cases/{random id}, city admin", 50.0),
    "person_search_id": ("bench_admin", "GET /persons?q=<random resident ID>, city admin", None),
}
TARGET_IMPORT_PERSONS_SQLITE = 20_000.0  # rows/s


# --------------------------------------------------------------------------------------------
# Data generation (vectorised numpy, fixed seed)
# --------------------------------------------------------------------------------------------

# Common characters only (all in GB2312 level 1), so no cell trips the importer's mojibake check.
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石"
GIVEN = {
    1: "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭龙林峰建国志东亮成博武彬栋梁森豪翔鸿坤胜",  # male
    0: "芳娜敏静丽艳娟霞燕玲婷雪琳颖倩洁慧琴莉萍红梅丹蕾晶妍璐瑶怡欣悦琪菲雅蓉月彤涵诗梦秀英兰凤玉珍",  # female
}
# Mobile prefixes the platform's fast path accepts: 13x, 15x (not 154), 18x.
MOBILE_PREFIXES = np.array([*range(130, 140), 150, 151, 152, 153, 155, 156, 157, 158, 159, *range(180, 190)],
                           dtype=np.int64)
# Registration regions: Nanjing districts (valid from 1983 under python-stdnum's table) and
# long-standing county codes, so every ID is valid for stdnum for its birth year too.
REGIONS = ("320102", "320104", "320105", "320106", "320111", "320113", "320114", "320115", "320116",
           "320120", "320121", "320122", "320123", "320211", "320302", "320402", "320506", "321002",
           "340104", "370102", "110105", "310104", "330106", "420106", "510104")
AGE_BAND_SHARES = np.array([11, 10, 14, 18, 15, 15, 10, 5, 2], dtype=float) / 100
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = np.array(list("10X98765432"))

CLASS_SHARES = {"confirmed": 55, "asymptomatic": 35, "suspected": 4, "excluded": 3, "repositive": 2}
SEVERITY_SHARES = {"mild": 80, "moderate": 15, "severe": 4, "critical": 1}
ORIGIN_SHARES = {"local": 85, "imported": 10, "import_related": 5}
CASE_DAYS = 60  # onsets/diagnoses fall in the 60 days up to END

PERSON_COLUMNS = ("name", "sex", "birth_date", "resident_id", "phone", "jurisdiction_code", "address")
CASE_COLUMNS = PERSON_COLUMNS + ("external_id", "classification", "severity", "origin", "onset_date",
                                 "sampling_date", "diagnosed_at", "reported_at", "outcome")


def _shares(d: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    keys = np.array(list(d))
    p = np.array(list(d.values()), dtype=float)
    return keys, p / p.sum()


def check_digits(first17: np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11-2 check characters (GB 11643-1999) for an int64 array of 17-digit numbers."""
    powers = 10 ** np.arange(16, -1, -1, dtype=np.int64)
    digits = (first17[:, None] // powers[None, :]) % 10
    return ID_CHECK[(digits @ ID_WEIGHTS) % 11]


def _region_table() -> tuple[np.ndarray, np.ndarray, int]:
    """(codes valid per birth year [year - y0, k], count per year, y0)."""
    from stdnum.cn import ric

    y0, y1 = END.year - 100, END.year
    table = np.zeros((y1 - y0 + 1, len(REGIONS)), dtype=np.int64)
    counts = np.zeros(y1 - y0 + 1, dtype=np.int64)
    for yi, year in enumerate(range(y0, y1 + 1)):
        ok = []
        for code in REGIONS:
            try:
                ric.get_birth_place(f"{code}{year:04d}01010000")
            except Exception:
                continue
            ok.append(int(code))
        table[yi, :len(ok)] = ok
        counts[yi] = len(ok)
    if (counts == 0).any():
        raise RuntimeError("no valid registration region for some birth year")
    return table, counts, y0


def _grid_places() -> tuple[list[str], list[str]]:
    """Grid codes of the demo city and, per grid, its address prefix (city + district + street + community)."""
    from fangkong.demo.city import build_city

    city = build_city(**CITY_ARGS)
    by_code = {j.code: j for j in city.jurisdictions}
    grids = [j for j in city.jurisdictions if j.level == "grid"]
    labels = []
    for g in grids:
        community = by_code[g.parent_code]
        street = by_code[community.parent_code]
        district = by_code[street.parent_code]
        labels.append(f"{by_code[district.parent_code].name_zh}{district.name_zh}{street.name_zh}{community.name_zh}")
    return [g.code for g in grids], labels


def generate_persons(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    grid_codes, labels = _grid_places()
    # Ages and birth dates.
    band = rng.choice(len(AGE_BAND_SHARES), size=n, p=AGE_BAND_SHARES)
    width = np.where(band == len(AGE_BAND_SHARES) - 1, 15, 10)
    age_days = np.maximum(((band * 10 + rng.random(n) * width) * 365.25).astype(np.int64), 30)
    birth = np.datetime64(END.isoformat(), "D") - age_days
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    month = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    male = rng.random(n) < 0.5
    # Resident IDs: region (valid for the birth year) + yyyymmdd + 3-digit sequence (odd = male).
    table, counts, y0 = _region_table()
    yi = year - y0
    region = table[yi, (rng.random(n) * counts[yi]).astype(np.int64)]
    ymd = year * 10_000 + month * 100 + day
    seq = rng.integers(0, 100, size=n) * 10 + rng.integers(0, 5, size=n) * 2 + male
    first17 = region * 10**11 + ymd * 1000 + seq
    while True:  # redraw the sequence of duplicates (keeping its parity) until all are unique
        _, first_idx = np.unique(first17, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first_idx] = False
        if not dup.any():
            break
        k = int(dup.sum())
        seq[dup] = rng.integers(0, 100, size=k) * 10 + rng.integers(0, 5, size=k) * 2 + male[dup]
        first17[dup] = region[dup] * 10**11 + ymd[dup] * 1000 + seq[dup]
    rid = np.char.add(first17.astype("U17"), check_digits(first17))
    # Phones, unique.
    phone_num = MOBILE_PREFIXES[rng.integers(0, len(MOBILE_PREFIXES), size=n)] * 10**8 + rng.integers(0, 10**8, size=n)
    while True:
        _, first_idx = np.unique(phone_num, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first_idx] = False
        if not dup.any():
            break
        k = int(dup.sum())
        phone_num[dup] = MOBILE_PREFIXES[rng.integers(0, len(MOBILE_PREFIXES), size=k)] * 10**8 + rng.integers(0, 10**8, size=k)
    # Names.
    surnames = np.array(list(SURNAMES))
    given_m, given_f = np.array(list(GIVEN[1])), np.array(list(GIVEN[0]))
    g1 = np.where(male, given_m[rng.integers(0, len(given_m), n)], given_f[rng.integers(0, len(given_f), n)])
    g2 = np.where(male, given_m[rng.integers(0, len(given_m), n)], given_f[rng.integers(0, len(given_f), n)])
    g2 = np.where(rng.random(n) < 0.25, "", g2)
    name = np.char.add(np.char.add(surnames[rng.integers(0, len(surnames), n)], g1), g2)
    # Where they live: a grid, and a flat in its community.
    grid = rng.integers(0, len(grid_codes), size=n)
    flat = [f"{b}栋{u}单元{f}{r:02d}" for b, u, f, r in zip(
        rng.integers(1, 60, n).tolist(), rng.integers(1, 7, n).tolist(),
        rng.integers(1, 19, n).tolist(), rng.integers(1, 5, n).tolist())]
    address = np.char.add(np.array(labels)[grid], np.array(flat))
    return {
        "name": name, "sex": np.where(male, "male", "female"), "birth_date": birth.astype(str),
        "resident_id": rid, "phone": phone_num.astype("U11"),
        "jurisdiction_code": np.array(grid_codes)[grid], "address": address,
    }


def generate_cases(persons: dict[str, np.ndarray], m: int, seed: int) -> dict[str, np.ndarray]:
    """M cases of M distinct persons; dates obey cases/rules.py and lie in the past."""
    n = len(persons["resident_id"])
    if m > n:
        raise SystemExit("--cases must not exceed --persons")
    rng = np.random.default_rng(seed + 1)
    who = rng.choice(n, size=m, replace=False)
    keys, p = _shares(CLASS_SHARES)
    cls = keys[rng.choice(len(keys), size=m, p=p)]
    sev_keys, sev_p = _shares(SEVERITY_SHARES)
    severity = np.where(cls == "confirmed", sev_keys[rng.choice(len(sev_keys), size=m, p=sev_p)], "")
    org_keys, org_p = _shares(ORIGIN_SHARES)
    origin = org_keys[rng.choice(len(org_keys), size=m, p=org_p)]
    end = np.datetime64(END.isoformat(), "D")
    index_day = end - rng.integers(0, CASE_DAYS, size=m)
    asym = cls == "asymptomatic"
    sampling = np.minimum(index_day + np.where(asym, 0, rng.integers(0, 4, size=m)), end)
    diag_day = np.minimum(sampling + rng.integers(0, 3, size=m), end)
    diag_min = rng.integers(9 * 60, 23 * 60, size=m)  # local time 09:00-22:59
    diagnosed = diag_day.astype("datetime64[m]") + diag_min
    u = rng.random(m)
    delay = np.where(u < 0.08, rng.integers(121, 361, size=m), np.minimum(5 + rng.gamma(2.0, 15.0, size=m), 119))
    reported = (diagnosed + delay.astype(np.int64)).astype(str)
    reported = np.where(u > 0.97, "", reported)  # ~3% not reported yet
    since = (end - diag_day).astype(np.int64)
    outcome = np.where((cls == "excluded") | (since >= 14), "recovered", "under_treatment")
    died = np.isin(severity, ["severe", "critical"]) & (since >= 3) & (rng.random(m) < 0.2)
    outcome = np.where(died, "died", outcome)
    out = {k: v[who] for k, v in persons.items()}
    out.update({
        "external_id": np.char.add("3201", np.char.zfill(np.arange(1, m + 1).astype("U10"), 10)),
        "classification": cls, "severity": severity, "origin": origin,
        "onset_date": np.where(asym, "", index_day.astype(str)), "sampling_date": sampling.astype(str),
        "diagnosed_at": diagnosed.astype(str), "reported_at": reported, "outcome": outcome,
    })
    return out


def write_csv(path: Path, columns: tuple[str, ...], data: dict[str, np.ndarray]) -> None:
    tmp = path.with_suffix(".tmp")
    cols = [data[c].tolist() for c in columns]
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(columns) + "\n")
        # No generated value holds a comma, quote or newline, so rows are joined without quoting.
        for start in range(0, len(cols[0]), 100_000):
            fh.write("".join(",".join(row) + "\n" for row in zip(*(c[start:start + 100_000] for c in cols))))
    tmp.replace(path)


def ensure_files(out: Path, n: int, m: int, seed: int, log) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    persons_csv = out / f"persons-{n}-seed{seed}.csv"
    cases_csv = out / f"cases-{m}-of-{n}-seed{seed}.csv"
    if persons_csv.exists() and cases_csv.exists():
        log(f"using cached {persons_csv.name}, {cases_csv.name}")
        return persons_csv, cases_csv
    t = time.perf_counter()
    persons = generate_persons(n, seed)
    cases = generate_cases(persons, m, seed)
    t_gen = time.perf_counter() - t
    write_csv(persons_csv, PERSON_COLUMNS, persons)
    write_csv(cases_csv, CASE_COLUMNS, cases)
    log(f"generated {n:,} persons and {m:,} cases in {t_gen:.1f} s (+{time.perf_counter() - t - t_gen:.1f} s writing)")
    return persons_csv, cases_csv


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    rows: int
    created: int
    seconds: float

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def use_settings(data_dir: Path, url: str) -> None:
    """Point fangkong's settings at this backend (the services read the lru-cached get_settings())."""
    from fangkong.config import get_settings

    os.environ["FANGKONG_DATA_DIR"] = str(data_dir)
    os.environ["FANGKONG_DATABASE_URL"] = url
    get_settings.cache_clear()


def prepare_database(url: str) -> None:
    from fangkong.auth.service import create_user
    from fangkong.authz import SYSTEM
    from fangkong.db import session_scope, upgrade
    from fangkong.demo.city import build_city
    from fangkong.geo.service import NodeRow, import_nodes

    upgrade(url)
    city = build_city(**CITY_ARGS)
    nodes = [NodeRow(code=j.code, level=j.level, name_zh=j.name_zh, name_en=j.name_en, parent_code=j.parent_code,
                     geometry=j.geometry, row=i) for i, j in enumerate(city.jurisdictions, start=1)]
    with session_scope(url) as session:
        import_nodes(session=session, actor=SYSTEM, nodes=nodes, source="demo city (benchmark)")
    with session_scope(url) as session:
        for username, (role, code) in USERS.items():
            create_user(session=session, actor=None, username=username, password=PASSWORD, role=role,
                        jurisdiction_code=code)


def timed_import(url: str, kind: str, path: Path) -> ImportResult:
    from fangkong.authz import SYSTEM
    from fangkong.db import session_scope
    from fangkong.interop.case_import import import_cases
    from fangkong.interop.importers import import_persons

    fn = import_persons if kind == "persons" else import_cases
    # Both imports share the pooled connections, as imports uploaded to one long-running server do
    # (a stale cached plan on such a connection once stretched the case import to 30+ min: README, "Findings").
    gc.collect()
    t = time.perf_counter()
    with session_scope(url) as session:  # the commit is inside the timing
        report = fn(session=session, actor=SYSTEM, path=path)
    seconds = time.perf_counter() - t
    if report.already_imported or report.created != report.rows:
        raise RuntimeError(f"{kind} import stored {report.created} of {report.rows} rows: {report}")
    return ImportResult(rows=report.rows, created=report.created, seconds=seconds)


def analyze(url: str) -> None:
    from sqlalchemy import text

    from fangkong.db import make_engine

    with make_engine(url).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


# --------------------------------------------------------------------------------------------
# Serving and load
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The real app (create_app) under uvicorn, one worker, in a subprocess bound to 127.0.0.1."""

    def __init__(self, data_dir: Path, url: str, log_path: Path, extra_args: tuple[str, ...] = ()):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "FANGKONG_DATA_DIR": str(data_dir), "FANGKONG_DATABASE_URL": url}
        self.log = log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench_app:create", "--factory", "--app-dir", str(HERE),
             "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1", "--log-level", "warning",
             "--no-access-log", *extra_args],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.log_path = log_path
        self.mode = "?"

    def wait_ready(self, timeout: float = 60.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=2).status_code == 200:
                    self.log.flush()
                    text = self.log_path.read_text(errors="replace")
                    self.mode = text.split("BENCH_APP_MODE=", 1)[1].splitlines()[0] if "BENCH_APP_MODE=" in text else "?"
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not become ready")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def tokens(base: str) -> dict[str, str]:
    import httpx

    out = {}
    for username in USERS:
        r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": PASSWORD}, timeout=30)
        r.raise_for_status()
        out[username] = r.json()["access_token"]
    return out


@dataclass
class ScenarioResult:
    name: str
    description: str
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    req_per_s: float
    server_cpu_pct: float
    client_cpu_pct: float
    serial_p50_ms: float | None = None
    serial_p95_ms: float | None = None
    target_p95_ms: float | None = None
    truncated: bool = False  # the time budget ran out before every planned request was sent
    error_sample: str = ""


async def _run_load(base: str, token: str, paths: list[str], clients: int,
                    budget_s: float | None = None) -> tuple[np.ndarray, list[str], float]:
    """Send `paths` with `clients` concurrent connections; stop taking new ones after `budget_s`."""
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    next_i = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, limits=limits,
                                 timeout=120) as client:
        t0 = time.perf_counter()
        deadline = t0 + budget_s if budget_s else float("inf")

        async def worker() -> None:
            nonlocal next_i
            while next_i < len(paths) and time.perf_counter() < deadline:
                i = next_i
                next_i += 1
                t = time.perf_counter()
                try:
                    r = await client.get(paths[i])
                    if r.status_code != 200:
                        errors.append(f"{r.status_code} {paths[i]}: {r.text[:200]}")
                except httpx.HTTPError as exc:
                    errors.append(f"{type(exc).__name__} {paths[i]}")
                latencies.append(time.perf_counter() - t)

        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - t0
    return np.asarray(latencies) * 1000, errors, elapsed


def run_scenario(server: Server, name: str, token: str, paths: list[str], clients: int, serial: int,
                 budget_s: float) -> ScenarioResult:
    user, description, target = SCENARIOS[name]
    warm = paths[: max(2 * clients, 10)]
    asyncio.run(_run_load(server.base, token, warm, clients, budget_s / 4))
    serial_p50 = serial_p95 = None
    if serial:
        lat, _, _ = asyncio.run(_run_load(server.base, token, paths[-serial:], 1, budget_s / 4))
        serial_p50, serial_p95 = float(np.percentile(lat, 50)), float(np.percentile(lat, 95))
    cpu0, pc0 = server.cpu_seconds(), time.process_time()
    lat, errors, elapsed = asyncio.run(_run_load(server.base, token, paths, clients, budget_s))
    server_cpu, client_cpu = server.cpu_seconds() - cpu0, time.process_time() - pc0
    p50, p95, p99 = (float(v) for v in np.percentile(lat, [50, 95, 99]))
    return ScenarioResult(
        name=name, description=description, requests=len(lat), errors=len(errors), seconds=elapsed,
        p50_ms=p50, p95_ms=p95, p99_ms=p99, max_ms=float(lat.max()), req_per_s=len(lat) / elapsed,
        server_cpu_pct=100 * server_cpu / elapsed, client_cpu_pct=100 * client_cpu / elapsed,
        serial_p50_ms=serial_p50, serial_p95_ms=serial_p95, target_p95_ms=target,
        truncated=len(lat) < len(paths), error_sample=errors[0] if errors else "")


def scenario_paths(url: str, requests: int, seed: int) -> dict[str, list[str]]:
    """The requests of each scenario, fixed in advance (deep cursors built as the API builds them)."""
    from sqlalchemy import func, select

    from fangkong.authz import in_subtree
    from fangkong.cases.models import Case
    from fangkong.db import session_scope
    from fangkong.kit.pagination import encode_cursor
    from fangkong.people.models import Person

    rng = np.random.default_rng(seed + 2)
    out: dict[str, list[str]] = {}
    with session_scope(url) as session:
        def deep_cursor(code_prefix: str) -> str:
            stmt = select(Case.id)
            if code_prefix:
                stmt = stmt.where(in_subtree(Case.jurisdiction_code, code_prefix))
            total = session.scalar(select(func.count()).select_from(stmt.subquery()))
            offset = max(int(total * 0.9) - 1, 0)
            key = session.scalar(stmt.order_by(Case.id.desc()).offset(offset).limit(1))
            return encode_cursor([key])

        out["list_first_admin"] = ["/api/v1/cases?limit=50"] * requests
        out["list_first_district"] = ["/api/v1/cases?limit=50"] * requests
        out["list_deep_admin"] = [f"/api/v1/cases?limit=50&cursor={deep_cursor('32')}"] * requests
        out["list_deep_district"] = [f"/api/v1/cases?limit=50&cursor={deep_cursor('320102')}"] * requests
        lo, hi = session.execute(select(func.min(Case.id), func.max(Case.id))).one()
        out["case_detail"] = [f"/api/v1/cases/{i}" for i in rng.integers(lo, hi + 1, size=requests)]
        plo, phi = session.execute(select(func.min(Person.id), func.max(Person.id))).one()
        ids = rng.integers(plo, phi + 1, size=requests).tolist()
        rid = {}
        for i in range(0, len(ids), 900):
            rid.update(session.execute(select(Person.id, Person.resident_id).where(Person.id.in_(ids[i:i + 900]))).all())
        out["person_search_id"] = [f"/api/v1/persons?q={rid[i]}" for i in ids]
    return out


# --------------------------------------------------------------------------------------------
# One backend
# --------------------------------------------------------------------------------------------


@dataclass
class BackendResult:
    backend: str
    url: str
    imports: dict[str, dict] = field(default_factory=dict)
    scenarios: list[ScenarioResult] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    app_mode: str = ""
    load_avg_at_start: float = 0.0  # 1-minute load average: other work on the machine skews the figures


def run_backend(backend: str, args, persons_csv: Path, cases_csv: Path, log) -> BackendResult:
    from sqlalchemy import func, select

    from fangkong.cases.models import Case
    from fangkong.db import make_engine, session_factory, session_scope
    from fangkong.people.models import Person

    data_dir = Path(tempfile.mkdtemp(prefix=f"fangkong-bench-{backend}-"))
    if backend == "sqlite":
        url = f"sqlite:///{data_dir / 'fangkong.db'}"
    else:
        url = args.pg_url
        reset_postgres(url)
    use_settings(data_dir, url)
    result = BackendResult(backend=backend, url=url if backend == "postgresql" else "sqlite:///<temp>/fangkong.db",
                           load_avg_at_start=os.getloadavg()[0])
    server = None
    try:
        prepare_database(url)
        for kind, path in (("persons", persons_csv), ("cases", cases_csv)):
            r = timed_import(url, kind, path)
            result.imports[kind] = {**asdict(r), "rows_per_s": r.rows_per_s}
            log(f"[{backend}] import {kind}: {r.rows:,} rows in {r.seconds:.1f} s = {r.rows_per_s:,.0f} rows/s")
        if backend == "postgresql":
            analyze(url)  # what autovacuum does shortly after a bulk load; SQLite is left as the app leaves it
        with session_scope(url) as session:
            result.counts = {"persons": session.scalar(select(func.count()).select_from(Person)),
                             "cases": session.scalar(select(func.count()).select_from(Case))}
        paths = scenario_paths(url, args.requests, args.seed)
        make_engine(url).dispose()
        gc.collect()

        server = Server(data_dir, url, data_dir / "server.log", tuple(args.server_args.split()))
        server.wait_ready()
        result.app_mode = server.mode
        if server.mode != "create_app":
            log(f"[{backend}] WARNING: serving {server.mode}, not the full create_app()")
        toks = tokens(server.base)
        for name, (user, _, _) in SCENARIOS.items():
            res = run_scenario(server, name, toks[user], paths[name], args.clients, args.serial_requests,
                               args.scenario_seconds)
            result.scenarios.append(res)
            log(f"[{backend}] {name}: {res.requests} requests, p50 {res.p50_ms:.1f} ms, p95 {res.p95_ms:.1f} ms, "
                f"{res.req_per_s:.0f} req/s" + (" (TRUNCATED by --scenario-seconds)" if res.truncated else "")
                + (f", {res.errors} errors ({res.error_sample})" if res.errors else ""))
    finally:
        if server is not None:
            server.stop()
        try:
            make_engine(url).dispose()
        except Exception:
            pass
        session_factory.cache_clear()
        make_engine.cache_clear()
        if args.keep_db:
            log(f"[{backend}] data kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    return result


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def _fmt(v, spec: str = ",.1f") -> str:
    return "—" if v is None else format(v, spec)


def summary_rows(results: dict[str, BackendResult]) -> list[dict]:
    """One row per figure: the value per backend, its ratio to the target, and PostgreSQL/SQLite."""
    rows = []

    def add(metric: str, unit: str, target: float | None, better: str, values: dict[str, float | None]):
        row = {"metric": metric, "unit": unit, "target": target, "better": better}
        for b in ("sqlite", "postgresql"):
            v = values.get(b)
            row[b] = v
            row[f"{b}_vs_target"] = (v / target) if (v is not None and target) else None
        s, p = values.get("sqlite"), values.get("postgresql")
        row["postgresql_vs_sqlite"] = (p / s) if (s and p is not None) else None
        row["meets_target"] = {b: (None if row[b] is None or not target else
                                   (row[b] <= target if better == "lower" else row[b] >= target))
                               for b in ("sqlite", "postgresql")}
        rows.append(row)

    for kind in ("persons", "cases"):
        target = TARGET_IMPORT_PERSONS_SQLITE if kind == "persons" else None
        add(f"import {kind}", "rows/s", target, "higher",
            {b: r.imports.get(kind, {}).get("rows_per_s") for b, r in results.items()})
    for name, (_, _, target) in SCENARIOS.items():
        by = {b: {s.name: s for s in r.scenarios}.get(name) for b, r in results.items()}
        add(f"{name} p95", "ms", target, "lower", {b: (s.p95_ms if s else None) for b, s in by.items()})
        add(f"{name} throughput", "req/s", None, "higher", {b: (s.req_per_s if s else None) for b, s in by.items()})
    return rows


def render(results: dict[str, BackendResult], summary: list[dict], meta: dict) -> str:
    from rich.console import Console
    from rich.table import Table

    console = Console(record=True, width=200)
    for backend, r in results.items():
        t = Table(title=f"{backend}: {r.counts.get('persons', 0):,} persons, {r.counts.get('cases', 0):,} cases, "
                        f"{meta['clients']} clients, app: {r.app_mode}, load avg at start {r.load_avg_at_start:.2f}",
                  title_justify="left")
        for col in ("scenario", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms", "req/s",
                    "1-client p50", "1-client p95", "server CPU %", "client CPU %", "target p95"):
            t.add_column(col, justify="left" if col == "scenario" else "right")
        for kind, imp in r.imports.items():
            t.add_row(f"import_{kind}", f"{imp['rows']:,} rows", "0", "", "", "", "", f"{imp['rows_per_s']:,.0f} rows/s",
                      "", "", "", "", "≥ 20,000 rows/s" if kind == "persons" and backend == "sqlite" else "")
        for s in r.scenarios:
            t.add_row(s.name + (" (truncated)" if s.truncated else ""), str(s.requests), str(s.errors), _fmt(s.p50_ms), _fmt(s.p95_ms), _fmt(s.p99_ms),
                      _fmt(s.max_ms), _fmt(s.req_per_s, ",.0f"), _fmt(s.serial_p50_ms), _fmt(s.serial_p95_ms),
                      _fmt(s.server_cpu_pct, ".0f"), _fmt(s.client_cpu_pct, ".0f"),
                      f"< {s.target_p95_ms:.0f} ms" if s.target_p95_ms else "—")
        console.print(t)
    t = Table(title="summary: figures vs targets (ratio = figure / target; latency ≤ 1 and rows/s ≥ 1 meet it)",
              title_justify="left")
    for col in ("figure", "target", "SQLite", "SQLite/target", "PostgreSQL", "PostgreSQL/target", "PostgreSQL/SQLite"):
        t.add_column(col, justify="left" if col == "figure" else "right")
    for row in summary:
        unit = row["unit"]
        target = "—" if row["target"] is None else (
            f"< {row['target']:.0f} {unit}" if row["better"] == "lower" else f"≥ {row['target']:,.0f} {unit}")

        def cell(b: str) -> str:
            v = row[b]
            if v is None:
                return "—"
            text = f"{v:,.0f} {unit}" if unit != "ms" else f"{v:,.1f} ms"
            ok = row["meets_target"][b]
            return text if ok is None else (f"[green]{text}[/green]" if ok else f"[red]{text}[/red]")

        t.add_row(f"{row['metric']}", target, cell("sqlite"), _fmt(row["sqlite_vs_target"], ".2f"),
                  cell("postgresql"), _fmt(row["postgresql_vs_target"], ".2f"), _fmt(row["postgresql_vs_sqlite"], ".2f"))
    console.print(t)
    return console.export_text()


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--persons", type=int, default=1_000_000)
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--clients", type=int, default=20, help="concurrent HTTP clients")
    p.add_argument("--requests", type=int, default=1500, help="requests per scenario (all clients together)")
    p.add_argument("--serial-requests", type=int, default=200,
                   help="requests per scenario replayed by one client first, for the unloaded latency (0: skip)")
    p.add_argument("--scenario-seconds", type=float, default=180.0,
                   help="time budget per scenario: no new requests after it (the result is marked truncated)")
    p.add_argument("--server-args", default="",
                   help="extra uvicorn arguments, e.g. '--http httptools --loop uvloop' (default: none, 1 worker)")
    p.add_argument("--backends", default="sqlite,postgresql")
    p.add_argument("--pg-url", default=os.environ.get("FANGKONG_BENCH_PG_URL", DEFAULT_PG_URL),
                   help="a THROWAWAY database: its public schema is dropped")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for generated CSVs and results")
    p.add_argument("--seed", type=int, default=20221)
    p.add_argument("--keep-db", action="store_true", help="keep the SQLite data folder (for EXPLAIN, profiling)")
    args = p.parse_args(argv)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for b in args.backends:
        if b not in ("sqlite", "postgresql"):
            p.error(f"unknown backend {b!r}")
    if args.requests < 1 or args.clients < 1 or args.persons < 1 or not 1 <= args.cases <= args.persons:
        p.error("need persons ≥ cases ≥ 1, clients ≥ 1, requests ≥ 1")
    args.serial_requests = min(args.serial_requests, args.requests)
    return args


def _exit_on_sigterm(signum, frame):  # run the finally blocks: stop the server, drop the temp data
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)

    def log(msg: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {msg}", flush=True)

    persons_csv, cases_csv = ensure_files(args.out, args.persons, args.cases, args.seed, log)
    results: dict[str, BackendResult] = {}
    for backend in args.backends:
        results[backend] = run_backend(backend, args, persons_csv, cases_csv, log)
    meta = {"persons": args.persons, "cases": args.cases, "clients": args.clients, "requests": args.requests,
            "server_args": args.server_args, "scenario_seconds": args.scenario_seconds,
            "serial_requests": args.serial_requests, "seed": args.seed, "backends": args.backends,
            "cpus": os.cpu_count(), "python": platform.python_version(), "machine": platform.platform(),
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    summary = summary_rows(results)
    text = render(results, summary, meta)
    doc = {"meta": meta, "targets": {"first_page_and_detail_p95_ms": 50.0,
                                     "import_persons_sqlite_rows_per_s": TARGET_IMPORT_PERSONS_SQLITE},
           "backends": {b: {"url": r.url, "app": r.app_mode, "load_avg_at_start": r.load_avg_at_start, "counts": r.counts, "imports": r.imports,
                            "scenarios": [asdict(s) for s in r.scenarios]} for b, r in results.items()},
           "summary": summary, "table": text}
    path = args.out / f"results-{args.persons}-{args.cases}-{args.clients}c.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2))
    log(f"results written to {path}")
    return doc


if __name__ == "__main__":
    main()
