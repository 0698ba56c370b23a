"""Built-in interventions; importing this package registers them."""

from fangkong.sim.interventions import areas, contacts, testing, vaccination  # noqa: F401
from fangkong.sim.interventions.base import REGISTRY, Intervention, ScenarioError, make

__all__ = ["REGISTRY", "Intervention", "ScenarioError", "make"]
