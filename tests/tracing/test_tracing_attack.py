"""fangkong.analytics.attack: secondary attack rates by setting with intervals computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fangkong.analytics.attack import attack_rates, proportion_ci


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score interval written out (Wilson 1927)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_wilson_by_hand():
    # 3 of 20 household contacts: 0.15 (0.0524–0.3604)
    low, high = proportion_ci([3], [20])
    assert (low[0], high[0]) == pytest.approx(wilson(3, 20), abs=1e-12)
    assert (round(low[0], 4), round(high[0], 4)) == (0.0524, 0.3604)
    low, high = proportion_ci([0, 20], [20, 20])
    assert low[0] == 0 and high[0] == pytest.approx(0.1611, abs=1e-4) and high[1] == 1


def test_exact_interval_by_hand():
    # 0 of 10: the upper bound solves (1 - p)^10 = 0.025; 10 of 10: the lower bound p^10 = 0.025
    low, high = proportion_ci([0, 10, 5], [10, 10, 10], method="exact")
    assert high[0] == pytest.approx(1 - 0.025 ** 0.1) and low[1] == pytest.approx(0.025 ** 0.1)
    assert (low[0], high[1]) == (0, 1) and (round(low[2], 4), round(high[2], 4)) == (0.1871, 0.8129)


def test_rates_by_setting_with_a_total():
    setting = ["household"] * 20 + ["workplace"] * 10 + [None] * 2 + ["venue"] * 3
    converted = [True] * 3 + [False] * 17 + [True] + [False] * 9 + [True, False] + [False] * 3
    followed = [True] * 30 + [True, True] + [False] * 3  # the venue contacts are still in quarantine
    rows = {r["setting"]: r for r in attack_rates(setting, converted, followed).to_pylist()}
    assert list(rows) == ["household", "unknown", "venue", "workplace", "all"]
    assert (rows["household"]["followed"], rows["household"]["converted"], rows["household"]["rate"]) == (20, 3, 0.15)
    assert (rows["household"]["low"], rows["household"]["high"]) == pytest.approx(wilson(3, 20))
    assert (rows["unknown"]["followed"], rows["unknown"]["converted"]) == (2, 1)
    assert rows["venue"] == {"setting": "venue", "followed": 0, "converted": 0, "rate": None, "low": None, "high": None}
    assert (rows["all"]["followed"], rows["all"]["converted"]) == (32, 5)
    assert (rows["all"]["low"], rows["all"]["high"]) == pytest.approx(wilson(5, 32))
    assert attack_rates([], [], total=None).num_rows == 0


def test_bad_input():
    with pytest.raises(ValueError, match="same length"):
        attack_rates(["a", "b"], [True])
    with pytest.raises(ValueError, match="0 ≤ k ≤ n"):
        proportion_ci([3], [2])
    with pytest.raises(ValueError, match="method"):
        proportion_ci([1], [2], method="wald")


def test_a_million_contacts_quickly():
    rng = np.random.default_rng(0)
    setting = rng.choice(["household", "workplace", "school", "venue"], 1_000_000)
    table = attack_rates(setting, rng.random(setting.size) < 0.1)
    assert table.num_rows == 5 and table["followed"].to_pylist()[-1] == 1_000_000
