"""The load benchmark still runs end to end: generator, real imports, real app, every scenario."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "load_and_query.py"


def _module():
    spec = importlib.util.spec_from_file_location("load_and_query", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("load_and_query", module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_generated_ids_and_phones_are_valid_and_unique():
    from stdnum.cn import ric

    from fangkong.people.ids import normalize_phone, parse_resident_id

    bench = _module()
    persons = bench.generate_persons(2000, seed=5)
    ids = persons["resident_id"].tolist()
    assert len(set(ids)) == len(ids) and len(set(persons["phone"].tolist())) == len(ids)
    for rid, sex, birth, phone in zip(ids, persons["sex"], persons["birth_date"], persons["phone"]):
        assert ric.is_valid(rid), rid
        parsed = parse_resident_id(rid)
        assert (parsed.sex, parsed.birth_date.isoformat()) == (sex, birth)
        assert normalize_phone(phone) == phone


def test_tiny_run_reports_every_scenario(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--persons", "300", "--cases", "50", "--clients", "2", "--requests", "12",
         "--serial-requests", "3", "--backends", "sqlite", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    doc = json.loads((out / "results-300-50-2c.json").read_text())
    bench = _module()
    sqlite = doc["backends"]["sqlite"]
    assert sqlite["counts"] == {"persons": 300, "cases": 50}
    assert {k: v["created"] for k, v in sqlite["imports"].items()} == {"persons": 300, "cases": 50}
    scenarios = {s["name"]: s for s in sqlite["scenarios"]}
    assert set(scenarios) == set(bench.SCENARIOS)
    for name, s in scenarios.items():
        assert s["errors"] == 0, (name, s["error_sample"])
        assert s["requests"] == 12 and s["p95_ms"] > 0
        assert name in doc["table"] and name in proc.stdout
    assert {row["metric"] for row in doc["summary"]} >= {"import persons", "list_first_admin p95", "case_detail p95"}
