"""Synthetic city and agent-based outbreak simulator (``fangkong sim``).

An engine: plain NumPy arrays and Parquet files, no web or ORM imports. See
:mod:`fangkong.sim.runner` for the run folder layout other parts of the platform rely on.
"""

from fangkong.sim.city import City, build_city, read_city, write_city
from fangkong.sim.params import Layers, RunConfig
from fangkong.sim.runner import SimResult, run_sim

__all__ = ["City", "Layers", "RunConfig", "SimResult", "build_city", "read_city", "run_sim", "write_city"]
