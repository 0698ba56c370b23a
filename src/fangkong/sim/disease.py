"""Natural history of infection: durations, severity by age, infectiousness and PCR detectability.

All delays are whole days drawn per infected person at the moment of infection, the way Covasim
draws them (Kerr et al. 2021, PLoS Comput Biol 17(7):e1009149; `covasim/parameters.py`), so the
same seed gives the same course of illness whatever interventions do later. Unless a line says
otherwise the numbers are Covasim 3.1's defaults and the papers it cites for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Age brackets 0-9, 10-19, ..., 80-89, 90+ (Covasim get_prognoses, by decade).
AGE_CUTOFFS = np.array([0, 10, 20, 30, 40, 50, 60, 70, 80, 90])
# Probability of symptoms given infection (Covasim get_prognoses symp_probs; epi-methods.md §4
# confirms the 0.50 -> 0.90 range).
SYMP_PROBS = np.array([0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90, 0.90])
# Absolute probabilities of severe disease, critical disease and death given infection (Covasim
# get_prognoses, from Verity et al. 2020 Lancet Infect Dis and Ferguson et al. 2020 Report 9;
# epi-methods.md §4 confirms death 2e-5 -> 0.162).
SEVERE_PROBS = np.array([0.00050, 0.00165, 0.00720, 0.02080, 0.03430, 0.07650, 0.13280, 0.20655, 0.24570, 0.24570])
CRIT_PROBS = np.array([0.00003, 0.00008, 0.00036, 0.00104, 0.00216, 0.00933, 0.03639, 0.08923, 0.17420, 0.17420])
DEATH_PROBS = np.array([0.00002, 0.00002, 0.00010, 0.00032, 0.00098, 0.00265, 0.00766, 0.02439, 0.08292, 0.16190])
# Relative susceptibility by age, odds ratios from Zhang et al. 2020 Science 368:1481 (contact
# surveys in Wuhan and Shanghai), as used by Covasim's sus_ORs.
SUS_ORS = np.array([0.34, 0.67, 1.00, 1.00, 1.00, 1.00, 1.24, 1.47, 1.47, 1.47])

# Severity codes of an infection.
ASYMPTOMATIC, MILD, SEVERE, CRITICAL, DEAD = 0, 1, 2, 3, 4
SEVERITY_NAMES = ("asymptomatic", "mild", "severe", "critical", "dead")

NEVER = np.iinfo(np.int32).max  # "no such event" in a day array


@dataclass(frozen=True)
class Delay:
    """A lognormal delay in days given by its mean and standard deviation, rounded to whole days."""

    mean: float
    std: float
    source: str

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        sigma2 = np.log1p((self.std / self.mean) ** 2)
        mu = np.log(self.mean) - sigma2 / 2
        return np.rint(rng.lognormal(mu, np.sqrt(sigma2), n)).astype(np.int32)


@dataclass(frozen=True)
class Disease:
    """Parameters of the natural history. Every delay names its source."""

    exp2inf: Delay = Delay(4.5, 1.5, "Lauer et al. 2020 Ann Intern Med (Covasim dur.exp2inf)")
    inf2sym: Delay = Delay(1.1, 0.9, "Linton et al. 2020 J Clin Med (Covasim dur.inf2sym)")
    sym2sev: Delay = Delay(6.6, 4.9, "Linton et al. 2020 (Covasim dur.sym2sev)")
    sev2crit: Delay = Delay(1.5, 2.0, "Wang et al. 2020 JAMA (Covasim dur.sev2crit)")
    asym2rec: Delay = Delay(8.0, 2.0, "Woelfel et al. 2020 Nature (Covasim dur.asym2rec)")
    mild2rec: Delay = Delay(8.0, 2.0, "Woelfel et al. 2020 Nature (Covasim dur.mild2rec)")
    sev2rec: Delay = Delay(18.1, 6.3, "Verity et al. 2020 (Covasim dur.sev2rec)")
    crit2die: Delay = Delay(10.7, 4.8, "Wang et al. 2020; Verity et al. 2020 (Covasim dur.crit2die)")
    # Individual infectiousness ~ Gamma(k, 1/k): mean 1, negative-binomial offspring with
    # dispersion k = 0.45 (Endo et al. 2020 Wellcome Open Res; Covasim beta_dist).
    dispersion: float = 0.45
    # Asymptomatic infections are as infectious as symptomatic ones in Covasim's default
    # (asymp_factor = 1.0); set lower for a scenario that assumes otherwise.
    asymp_factor: float = 1.0
    # PCR detects an infection from 3 days after infection until 14 days after (OpenABM-Covid19
    # active_intervention_parameters: test_insensitive_period 3, test_sensitive_period 14).
    pcr_from: int = 3
    pcr_until: int = 14
    by_age: bool = True  # False: every age the same (homogeneous validation runs)
    symp_probs: np.ndarray = field(default_factory=lambda: SYMP_PROBS)


@dataclass
class Course:
    """The drawn course of illness of newly infected persons (arrays of length m, days are absolute)."""

    rel_inf: np.ndarray  # float32 individual infectiousness (mean 1)
    severity: np.ndarray  # int8
    infectious: np.ndarray  # int32 first infectious day
    onset: np.ndarray  # int32 symptom onset day, NEVER if asymptomatic
    severe: np.ndarray  # int32 day severe disease starts (admitted), NEVER if not severe
    end: np.ndarray  # int32 day infectiousness ends: recovery or death
    dead: np.ndarray  # bool


def age_bracket(age: np.ndarray) -> np.ndarray:
    return np.minimum(np.asarray(age) // 10, len(AGE_CUTOFFS) - 1).astype(np.int8)


def susceptibility(age: np.ndarray, disease: Disease) -> np.ndarray:
    """Relative susceptibility of each person (1.0 everywhere when not by age)."""
    if not disease.by_age:
        return np.ones(len(age), dtype=np.float32)
    return SUS_ORS[age_bracket(age)].astype(np.float32)


def draw_course(rng: np.random.Generator, *, day: int, age: np.ndarray, disease: Disease,
                symp_scale: np.ndarray | None = None) -> Course:
    """Draw the course of illness for persons of these ages infected on `day`; `symp_scale`
    multiplies each person's chance of symptoms (vaccination)."""
    m = len(age)
    rel_inf = rng.gamma(disease.dispersion, 1.0 / disease.dispersion, m).astype(np.float32)
    u = rng.random((4, m))
    b = age_bracket(age) if disease.by_age else np.full(m, 5, dtype=np.int8)
    symp = u[0] < disease.symp_probs[b] * (1.0 if symp_scale is None else symp_scale)
    # Severe, critical and death are conditional on the previous stage (Covasim converts the
    # absolute probabilities the same way).
    sev = symp & (u[1] < SEVERE_PROBS[b] / disease.symp_probs[b]) if disease.by_age else np.zeros(m, bool)
    crit = sev & (u[2] < CRIT_PROBS[b] / SEVERE_PROBS[b])
    dead = crit & (u[3] < DEATH_PROBS[b] / CRIT_PROBS[b])

    infectious = day + np.maximum(disease.exp2inf.draw(rng, m), 1)
    onset = np.where(symp, infectious + np.maximum(disease.inf2sym.draw(rng, m), 0), NEVER).astype(np.int32)
    severe = np.where(sev, onset + np.maximum(disease.sym2sev.draw(rng, m), 1), NEVER).astype(np.int32)
    asym_end = infectious + np.maximum(disease.asym2rec.draw(rng, m), 1)
    mild_end = onset + np.maximum(disease.mild2rec.draw(rng, m), 1)
    sev_end = severe + np.maximum(disease.sev2rec.draw(rng, m), 1)
    die_end = severe + np.maximum(disease.sev2crit.draw(rng, m), 0) + np.maximum(disease.crit2die.draw(rng, m), 1)
    end = np.where(symp, mild_end, asym_end)
    end = np.where(sev, sev_end, end)
    end = np.where(dead, die_end, end).astype(np.int32)

    severity = np.full(m, ASYMPTOMATIC, dtype=np.int8)
    severity[symp] = MILD
    severity[sev] = SEVERE
    severity[crit] = CRITICAL
    severity[dead] = DEAD
    return Course(rel_inf=rel_inf, severity=severity, infectious=infectious.astype(np.int32), onset=onset,
                  severe=severe, end=end, dead=dead)


def generation_interval(disease: Disease, *, samples: int = 400_000, seed: int = 12345) -> np.ndarray:
    """The intrinsic generation interval in whole days, g[k] = P(infectee infected k days after infector).

    Infectiousness is constant per day from the first infectious day until the end (severe cases
    stop at admission), scaled by individual infectiousness; drawn by Monte Carlo.
    """
    rng = np.random.default_rng(seed)
    ages = np.full(samples, 35) if not disease.by_age else rng.integers(0, 90, samples)
    c = draw_course(rng, day=0, age=ages, disease=disease)
    stop = np.minimum(c.end, c.severe)
    # rel_inf is independent of the durations, so only the asymptomatic factor weighs a day.
    weight = np.where(c.onset == NEVER, disease.asymp_factor, 1.0)
    g = np.zeros(int(stop.max()) + 2)
    for d in range(1, len(g)):  # a few dozen days, each a vector operation
        g[d] = np.sum(weight[(c.infectious <= d) & (d < stop)])
    total = g.sum()
    return g / total if total else g


def mean_infectious_weight(disease: Disease, *, samples: int = 400_000, seed: int = 12345) -> float:
    """E[sum over infectious days of relative infectiousness]: expected secondary infections per unit
    of daily transmission rate."""
    rng = np.random.default_rng(seed)
    ages = np.full(samples, 35) if not disease.by_age else rng.integers(0, 90, samples)
    c = draw_course(rng, day=0, age=ages, disease=disease)
    stop = np.minimum(c.end, c.severe)
    weight = np.where(c.onset == NEVER, disease.asymp_factor, 1.0)
    # rel_inf has mean 1 and is independent of the durations, so it drops out of the expectation.
    return float(np.mean(np.maximum(stop - c.infectious, 0) * weight))
