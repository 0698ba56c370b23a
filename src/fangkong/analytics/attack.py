"""Secondary attack rates: contacts who became cases ÷ contacts followed to the end, by setting.

The rate is a binomial proportion; its interval is the Wilson score interval by default (it keeps
to [0, 1] and holds its coverage at small counts and rates near 0, where the Wald interval fails:
Brown, Cai & DasGupta 2001, Statist. Sci. 16:101), or the exact Clopper–Pearson interval. For scale,
Bi et al. 2020 (epi-methods.md §3) report a household attack rate of 11.2% (9.1–13.8) in Shenzhen.
Which contacts count as followed is the service's decision (docs/chains.md, "Attack rates").
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from scipy import stats

METHODS = ("wilson", "exact")
RATE_SCHEMA = pa.schema([("setting", pa.string()), ("followed", pa.int64()), ("converted", pa.int64()),
                         ("rate", pa.float64()), ("low", pa.float64()), ("high", pa.float64())])


def proportion_ci(k, n, *, confidence: float = 0.95, method: str = "wilson") -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds for k successes of n (arrays); NaN where n is 0."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    if np.any(k < 0) or np.any(k > n):
        raise ValueError("need 0 ≤ k ≤ n")
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie between 0 and 1")
    alpha = 1 - confidence
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "wilson":
            z = stats.norm.ppf(1 - alpha / 2)
            centre = (k + z * z / 2) / (n + z * z)
            half = z / (n + z * z) * np.sqrt(k * (n - k) / n + z * z / 4)
            # exactly 0 and 1 at the edges, where rounding would leave a trace
            low, high = np.where(k > 0, centre - half, 0.0), np.where(k < n, centre + half, 1.0)
        elif method == "exact":
            low = np.where(k > 0, stats.beta.ppf(alpha / 2, k, n - k + 1), 0.0)
            high = np.where(k < n, stats.beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
        else:
            raise ValueError(f"method is one of {', '.join(METHODS)}")
    empty = n == 0
    return np.where(empty, np.nan, np.clip(low, 0, 1)), np.where(empty, np.nan, np.clip(high, 0, 1))


def attack_rates(setting, converted, followed=None, *, confidence: float = 0.95, method: str = "wilson",
                 total: str | None = "all") -> pa.Table:
    """One row per setting (sorted), then a `total` row over every setting (unless None).

    `setting`: a label per contact (None reads as "unknown"); `converted`: became a case;
    `followed`: counts in the denominator (all contacts when omitted). A converted contact that is
    not followed is not counted at all."""
    labels = pa.array(setting, pa.string()).fill_null("unknown").dictionary_encode()
    codes = np.asarray(labels.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    names = labels.dictionary.to_pylist()
    conv = np.asarray(converted, dtype=bool)
    fol = np.ones(codes.size, dtype=bool) if followed is None else np.asarray(followed, dtype=bool)
    if not (conv.size == fol.size == codes.size):
        raise ValueError("setting, converted and followed must have the same length")
    n = np.bincount(codes[fol], minlength=len(names))
    k = np.bincount(codes[fol & conv], minlength=len(names))
    return rate_table(names, n, k, confidence=confidence, method=method, total=total)


def rate_table(groups: list[str], followed, converted, *, confidence: float = 0.95, method: str = "wilson",
               total: str | None = "all") -> pa.Table:
    """attack_rates() from counts already made (one row per group, e.g. by a GROUP BY)."""
    n, k = np.asarray(followed, dtype=np.int64), np.asarray(converted, dtype=np.int64)
    if not (len(groups) == n.size == k.size):
        raise ValueError("groups, followed and converted must have the same length")
    order = np.argsort(np.array(groups, dtype=object)) if groups else np.zeros(0, np.int64)
    names, n, k = [groups[i] for i in order], n[order], k[order]
    if total is not None:
        names, n, k = names + [total], np.append(n, n.sum()), np.append(k, k.sum())
    low, high = proportion_ci(k, n, confidence=confidence, method=method)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    return pa.table({"setting": names, "followed": n.astype(np.int64), "converted": k.astype(np.int64),
                     "rate": pa.array(rate, from_pandas=True), "low": pa.array(low, from_pandas=True),
                     "high": pa.array(high, from_pandas=True)}, schema=RATE_SCHEMA)
