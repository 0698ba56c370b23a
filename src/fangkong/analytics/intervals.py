"""Serial intervals from linked onset pairs (infector onset → infectee onset, in days).

Methods and their sources (epi-methods.md §1 and §3):
- summary: mean with a t-based 95% interval, SD (n − 1) with a chi-square interval, median and
  quartiles, share of negative intervals. On the 468 pairs of Du et al. 2020 (EID 26(6):1341) this
  gives mean 3.96 (3.53–4.39) and SD 4.75 (4.46–5.07) d, the published figures.
- optional percentile bootstrap of mean and SD (seeded; [RECOMPUTED] 3.53–4.38 and 4.38–5.09 there).
- fitted distribution: a normal by maximum likelihood, because serial intervals can be negative
  (an infectee may fall ill before the infector) and Du et al. preferred it over gamma and Weibull.
- `discretised_gamma`: the gamma serial interval shifted by one day and discretised as EpiEstim's
  `discr_si` does, the input that a Cori Rt estimate needs (mean 2.6, SD 1.5 gives mean 2.600 and
  SD 1.55488 [PKG-TEST]).
Interval censoring and right truncation are not corrected (EpiEstim v3 warns the same of si_from_data).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


def _days(values) -> np.ndarray:
    """Onsets as float days (NaN when unknown) from datetime64, dates, ints or None."""
    array = np.asarray(values if values is not None else [])
    if array.dtype.kind == "M":
        days = array.astype("datetime64[D]")
        return np.where(np.isnat(days), np.nan, days.astype(np.int64)).astype(float)
    if array.dtype.kind == "O":
        converted = np.array([np.datetime64(v, "D") if v is not None else np.datetime64("NaT") for v in array],
                             dtype="datetime64[D]")
        return _days(converted)
    return array.astype(float)


def serial_intervals(infector_onset, infectee_onset) -> np.ndarray:
    """Infectee onset − infector onset in days for the pairs where both onsets are known."""
    a, b = _days(infector_onset), _days(infectee_onset)
    if a.shape != b.shape:
        raise ValueError("infector_onset and infectee_onset must have the same length")
    known = ~(np.isnan(a) | np.isnan(b))
    return (b[known] - a[known]).astype(np.int64)


@dataclass(frozen=True)
class NormalFit:
    mean: float
    sd: float
    log_likelihood: float


@dataclass(frozen=True)
class IntervalSummary:
    n: int
    mean: float
    sd: float
    mean_ci: tuple[float, float]
    sd_ci: tuple[float, float]
    median: float
    q25: float
    q75: float
    minimum: int
    maximum: int
    negative: int
    zero: int
    fit: NormalFit | None
    bootstrap_mean_ci: tuple[float, float] | None
    bootstrap_sd_ci: tuple[float, float] | None
    values: list[int]   # distinct intervals, ascending
    counts: list[int]   # pairs with each of them

    @property
    def negative_share(self) -> float:
        return self.negative / self.n if self.n else float("nan")


def summarise(intervals, *, confidence: float = 0.95, bootstrap: int = 0, seed: int = 0) -> IntervalSummary:
    """Summary statistics, intervals and the normal fit of serial intervals (days)."""
    si = np.asarray(intervals, dtype=float)
    n = int(si.size)
    if n == 0:
        nan = float("nan")
        return IntervalSummary(0, nan, nan, (nan, nan), (nan, nan), nan, nan, nan, 0, 0, 0, 0, None, None, None, [], [])
    alpha = 1 - confidence
    mean = float(si.mean())
    sd = float(si.std(ddof=1)) if n > 1 else float("nan")
    if n > 1:
        half = stats.t.ppf(1 - alpha / 2, n - 1) * sd / np.sqrt(n)
        mean_ci = (mean - half, mean + half)
        sd_ci = (float(np.sqrt((n - 1) * sd**2 / stats.chi2.ppf(1 - alpha / 2, n - 1))),
                 float(np.sqrt((n - 1) * sd**2 / stats.chi2.ppf(alpha / 2, n - 1))))
    else:
        mean_ci = sd_ci = (float("nan"), float("nan"))
    values, counts = np.unique(si.astype(np.int64), return_counts=True)
    boot_mean, boot_sd = _bootstrap(si, bootstrap, alpha, seed) if bootstrap and n > 1 else (None, None)
    q25, median, q75 = (float(q) for q in np.quantile(si, [0.25, 0.5, 0.75]))
    return IntervalSummary(
        n=n, mean=mean, sd=sd, mean_ci=(float(mean_ci[0]), float(mean_ci[1])), sd_ci=sd_ci,
        median=median, q25=q25, q75=q75, minimum=int(si.min()), maximum=int(si.max()),
        negative=int((si < 0).sum()), zero=int((si == 0).sum()), fit=fit_normal(si) if n > 1 else None,
        bootstrap_mean_ci=boot_mean, bootstrap_sd_ci=boot_sd, values=values.tolist(), counts=counts.tolist(),
    )


def fit_normal(intervals) -> NormalFit:
    """Maximum-likelihood normal (SD with divisor n) and its log-likelihood."""
    si = np.asarray(intervals, dtype=float)
    mean, sd = float(si.mean()), float(si.std(ddof=0))
    return NormalFit(mean=mean, sd=sd, log_likelihood=float(stats.norm.logpdf(si, mean, sd).sum()))


def _bootstrap(si: np.ndarray, draws: int, alpha: float, seed: int) -> tuple[tuple, tuple]:
    rng = np.random.default_rng(seed)
    means, sds = np.empty(draws), np.empty(draws)
    chunk = max(1, 2_000_000 // si.size)  # bounded memory for long series
    for start in range(0, draws, chunk):
        stop = min(start + chunk, draws)
        sample = si[rng.integers(0, si.size, (stop - start, si.size))]
        means[start:stop], sds[start:stop] = sample.mean(axis=1), sample.std(axis=1, ddof=1)
    q = [alpha / 2, 1 - alpha / 2]
    return tuple(float(v) for v in np.quantile(means, q)), tuple(float(v) for v in np.quantile(sds, q))


def discretised_gamma(mean: float, sd: float, k_max: int) -> np.ndarray:
    """w_0..w_k_max of a gamma serial interval shifted by one day, discretised as EpiEstim's
    `discr_si` (epi-methods.md §1, "Parametric SI"): clipped at 0 and not renormalised."""
    if mean <= 1:
        raise ValueError("the mean serial interval must be above 1 day (the distribution is shifted by 1)")
    if sd <= 0:
        raise ValueError("the SD must be positive")
    a, b = ((mean - 1) / sd) ** 2, sd**2 / (mean - 1)
    k = np.arange(k_max + 1, dtype=float)

    def cdf(x, shape):
        return np.where(x > 0, stats.gamma.cdf(np.maximum(x, 0), shape, scale=b), 0.0)

    w = k * cdf(k, a) + (k - 2) * cdf(k - 2, a) - 2 * (k - 1) * cdf(k - 1, a)
    w += a * b * (2 * cdf(k - 1, a + 1) - cdf(k - 2, a + 1) - cdf(k, a + 1))
    return np.maximum(w, 0.0)
