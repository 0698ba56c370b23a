"""Pure analytics engines over NumPy/SciPy/Arrow: no web framework, no ORM, no database.

- `chains`: transmission chains (connected components of the links), generations, roots, chain
  sizes, and a bounded view of a large graph for display.
- `intervals`: serial intervals from linked onset pairs, summaries with confidence intervals, a
  fitted normal distribution and the discretised gamma serial interval of EpiEstim.
- `attack`: secondary attack rates by setting with Wilson (or exact) confidence intervals.
- `clusters`: groups of dated cases (per venue or household) dense enough to signal a cluster.

docs/chains.md describes the methods and their sources.
"""
