"""The pandas baseline of screening_round.py: the same steps and rules as fangkong.screening.engine,
written the way a pandas user would (pyarrow CSV engine and Arrow-backed strings, the fastest
pandas 2 offers; vectorised throughout).

Rules, as in the engine (validate.py, pools.py): required cells present and readable, a person
sampled once, a tube within its pool size, results only for known tubes, known result values,
Ct in 0–50, duplicate results agreeing, reports after collection; then tube and person status,
turnaround, and coverage per grid. Only the valid path is tuned: the benchmark's data is valid,
and the problem listing stops at counts (the engine's row-level messages are not rebuilt here).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

TS_COMMON = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}"
TS_ANY = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?"
NUMBER = r"[+-]?(\d+(\.\d*)?|\.\d+)"
RESULTS = {"positive": "positive", "negative": "negative", "indeterminate": "indeterminate",
           "阳性": "positive", "阴性": "negative", "可疑": "indeterminate", "不确定": "indeterminate"}
TARGETS = (6, 12, 24)


def read_csv(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, engine="pyarrow", dtype="string[pyarrow]")
    df.columns = [c.replace("\ufeff", "").strip().lower() for c in df.columns]
    return df


def text(col: pd.Series) -> pd.Series:
    col = col.astype("string[pyarrow]").str.strip()
    return col.mask(col == "")


def timestamps(col: pd.Series, tz: str) -> pd.Series:
    """Local wall time; common layouts directly, others (zones, fractions) through UTC."""
    out = pd.Series(pd.NaT, index=col.index, dtype="datetime64[ns]")
    common = col.str.fullmatch(TS_COMMON).fillna(False).astype(bool)
    out[common] = pd.to_datetime(col[common], format="ISO8601", errors="coerce")
    other = ~common & col.str.fullmatch(TS_ANY).fillna(False).astype(bool)
    if other.any():
        utc = pd.to_datetime(col[other], format="ISO8601", errors="coerce", utc=True)
        out[other] = utc.dt.tz_convert(tz).dt.tz_localize(None)
    return out


def numbers(col: pd.Series) -> pd.Series:
    ok = col.str.fullmatch(NUMBER).fillna(False).astype(bool)
    return pd.to_numeric(col.where(ok), errors="coerce").astype(float)


def upload(samples_csv: Path, results_csv: Path, *, pool: int, tz: str) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Read both files and count every problem, by rule."""
    raw = read_csv(samples_csv)
    s = pd.DataFrame({"person_id": text(raw["person_id"]), "tube_id": text(raw["tube_id"])})
    missing = int(text(raw["sample_id"]).isna().sum() + text(raw["site_id"]).isna().sum()
                  + s["person_id"].isna().sum() + s["tube_id"].isna().sum())
    collected_txt = text(raw.pop("collected_at"))
    del raw
    s["collected_at"] = timestamps(collected_txt, tz)
    problems = {"missing": missing + int(collected_txt.isna().sum()),
                "unreadable": int((s["collected_at"].isna() & collected_txt.notna()).sum()),
                "person_twice": int(s["person_id"].duplicated().sum())}
    members = s.groupby("tube_id", sort=False).size()
    problems["over_pool"] = int((members[members > pool] - pool).sum())
    r = read_csv(results_csv)
    r = pd.DataFrame({"tube_id": text(r["tube_id"]), "result_txt": text(r["result"]),
                      "ct_orf1ab_txt": text(r["ct_orf1ab"]), "ct_n_txt": text(r["ct_n"]),
                      "lab_id": text(r["lab_id"]), "reported_txt": text(r["reported_at"])})
    r["result"] = r["result_txt"].str.lower().map(RESULTS)
    r["reported_at"] = timestamps(r.pop("reported_txt"), tz)
    for gene in ("ct_orf1ab", "ct_n"):
        r[gene] = numbers(r[f"{gene}_txt"])
        problems[f"{gene}_bad"] = int((r[gene].isna() & r[f"{gene}_txt"].notna()).sum()
                                      + ((r[gene] < 0) | (r[gene] > 50)).sum())
    problems["result_bad"] = int(r["result"].isna().sum())
    problems["unknown_tube"] = int((~r["tube_id"].isin(members.index)).sum())
    first = s.groupby("tube_id", sort=False)["collected_at"].min()
    problems["early"] = int((r["reported_at"] < r["tube_id"].map(first)).sum())
    dup = r[r["tube_id"].duplicated(keep=False)]
    distinct = dup.drop_duplicates(["tube_id", "result", "ct_orf1ab", "ct_n", "lab_id"])  # NaN equals NaN here
    problems["disagree"] = int(distinct["tube_id"].duplicated().sum())
    return s, r, problems


def resolve(s: pd.DataFrame, r: pd.DataFrame, *, threshold: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(person_status in samples order, tubes by tube_id)."""
    tubes = s.groupby("tube_id").agg(members=("person_id", "size"), first_collected_at=("collected_at", "min"),
                                     last_collected_at=("collected_at", "max"))
    res = r.groupby("tube_id").agg(result=("result", "min"), ct_orf1ab=("ct_orf1ab", "min"), ct_n=("ct_n", "min"),
                                   lab_id=("lab_id", "min"), reported_at=("reported_at", "min"))
    tubes = tubes.join(res, how="left")
    min_ct = tubes[["ct_orf1ab", "ct_n"]].min(axis=1)
    reported = tubes["result"].notna()
    tubes["status"] = np.select([~reported, (tubes["result"] == "positive") | (min_ct < threshold),
                                 tubes["result"] == "indeterminate"], ["pending", "positive", "indeterminate"], "negative")
    tubes["min_ct"] = min_ct
    tubes["turnaround_hours"] = (tubes["reported_at"] - tubes["first_collected_at"]).dt.total_seconds() / 3600
    person = {"pending": "pending", "negative": "cleared", "positive": "recheck", "indeterminate": "recheck"}
    status = s["tube_id"].map(tubes["status"].map(person))
    people = pd.DataFrame({"person_id": s["person_id"], "status": status, "tube_id": s["tube_id"]})
    return people, tubes.reset_index()


def summary(people: pd.DataFrame, tubes: pd.DataFrame, results_rows: int) -> dict:
    hours = tubes["turnaround_hours"].dropna().to_numpy()
    by_tube = tubes["status"].value_counts()
    by_person = people["status"].value_counts()
    return {
        "samples": len(people), "tubes": len(tubes), "results": results_rows,
        "persons_by_status": {k: int(by_person.get(k, 0)) for k in ("recheck", "pending", "cleared")},
        "tubes_by_status": {k: int(by_tube.get(k, 0)) for k in ("positive", "indeterminate", "negative", "pending")},
        "turnaround_hours": {"reported_tubes": int(hours.size),
                             **{f"p{q}": round(float(np.percentile(hours, q)), 4) for q in (50, 90, 95)},
                             "max": round(float(hours.max()), 4),
                             "targets": {f"{h}h": int((hours <= h).sum()) for h in TARGETS}},
    }


def write(out: Path, people: pd.DataFrame, tubes: pd.DataFrame, s: pd.DataFrame, roster: Path, doc: dict) -> dict:
    """person_status, tubes, summary, then coverage by grid and the untested persons."""
    out.mkdir(parents=True, exist_ok=True)
    people.to_parquet(out / "person_status.parquet", index=False)
    tubes.to_parquet(out / "tubes.parquet", index=False)
    g = pd.read_parquet(roster, dtype_backend="pyarrow")
    problems = int(g["person_id"].isna().sum() + g["jurisdiction_code"].isna().sum() + g["person_id"].duplicated().sum())
    g["sampled"] = g["person_id"].isin(s["person_id"])
    grids = g.groupby("jurisdiction_code").agg(roster=("sampled", "size"), sampled=("sampled", "sum"))
    grids["coverage"] = grids["sampled"] / grids["roster"]
    grids.reset_index().to_parquet(out / "coverage.parquet", index=False)
    untested = g.loc[~g["sampled"], ["person_id", "jurisdiction_code"]].sort_values(["jurisdiction_code", "person_id"])
    untested.to_parquet(out / "untested.parquet", index=False)
    roster_n, covered = int(grids["roster"].sum()), int(grids["sampled"].sum())
    doc["coverage"] = {"grids": len(grids), "roster": roster_n, "sampled_in_roster": covered,
                       "untested": roster_n - covered, "problems": problems}
    (out / "summary.json").write_text(json.dumps(doc, indent=2))
    return doc
