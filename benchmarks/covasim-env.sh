#!/usr/bin/env bash
# Create the benchmark's own Covasim environment: benchmarks/.venv-covasim (git-ignored).
#
#     bash benchmarks/covasim-env.sh            # create (or reuse) and install
#     PYTHON=python3.11 bash benchmarks/covasim-env.sh
#
# Covasim is a baseline for benchmarks/sim_vs_covasim.py only. It is NOT a Fangkong
# dependency: it pulls a heavy tree (starsim, numba, sciris, optuna, statsmodels, seaborn,
# matplotlib, SQLAlchemy, alembic) that must never mix with the project's environment.
# covasim 4.0.1 is the newest release on PyPI (it is a thin layer over starsim 3.7.x).
#
# The first `import covasim` / first sim after installing compiles numba kernels and takes
# 10-15 s longer; later runs hit numba's on-disk cache. sim_vs_covasim.py also runs a 1,000-agent
# warm-up sim before timing, so JIT is never counted.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${COVASIM_VENV:-$HERE/.venv-covasim}"
PYTHON="${PYTHON:-python3}"
COVASIM_VERSION="${COVASIM_VERSION:-4.0.1}"

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "covasim==$COVASIM_VERSION"

# Import once (this also warms numba's cache) and print what was installed.
"$VENV/bin/python" - <<'PY'
import time
t = time.perf_counter()
import covasim as cv
t_import = time.perf_counter() - t
t = time.perf_counter()
sim = cv.Sim(pop_size=1000, n_days=5, pop_type="hybrid", verbose=0)
sim.run()
print(f"covasim {cv.__version__} OK: import {t_import:.1f} s, first 1k-agent sim {time.perf_counter() - t:.1f} s "
      "(first run includes numba JIT/cache warm-up)")
PY
echo "venv: $VENV"
