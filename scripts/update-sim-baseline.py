"""Rewrite tests/sim/baseline.json, the fixed-seed outputs the simulator's baseline test pins.

Run it after a deliberate change to the model, and say in the commit why the numbers moved:
    python scripts/update-sim-baseline.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "sim"))

from test_sim_baseline import BASELINE, baseline_outputs  # noqa: E402

BASELINE.write_text(json.dumps(baseline_outputs(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
print(f"wrote {BASELINE.relative_to(ROOT)}")
