"""PNG plots of a run: compartments, daily incidence against diagnoses, and infections by layer."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from fangkong.sim.runner import SimResult


def write_plots(result: SimResult, folder: Path) -> list[Path]:
    """Write the plots of a run into `folder`; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    df = result.to_df()
    written = []

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for column in ("S", "E", "I", "R", "D"):
        ax.plot(df["date"], df[column], label=column)
    ax.set(title="Compartments", xlabel="date", ylabel="persons")
    ax.legend()
    fig.autofmt_xdate()
    written.append(_save(fig, folder / "compartments.png"))

    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.bar(df["date"], df["new_infections"], label="new infections (truth)", alpha=0.5)
    ax.plot(df["date"], df["new_onsets"], label="symptom onsets", color="tab:orange")
    ax.plot(df["date"], df["new_diagnoses"], label="diagnoses reported", color="tab:red")
    ax.set(title="Infections, onsets and diagnoses per day", xlabel="date", ylabel="persons")
    ax.legend()
    fig.autofmt_xdate()
    written.append(_save(fig, folder / "incidence.png"))

    layers = result.infections.column("layer").to_pylist()
    names, counts = np.unique(np.asarray(layers, dtype=object).astype(str), return_counts=True) if layers else ([], [])
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar(names, counts)
    ax.set(title="Infections by layer", ylabel="infections")
    written.append(_save(fig, folder / "layers.png"))
    return written


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
