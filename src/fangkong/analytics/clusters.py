"""Which dated cases of a place (a venue, a household) are close enough in time to signal a cluster.

The 9th-edition definition of a cluster (聚集性疫情, profile `case_definitions.cluster_min_cases` and
`cluster_window_days`): at least that many cases in one small setting within that many days. Here a
run of `min_cases` cases of one group whose dates span less than `window_days` days (first and last
day both inside a window of that many calendar days) marks all of its cases; the cases of a group
that lie in no such run are not marked.
"""

from __future__ import annotations

import numpy as np


def dense_groups(group, day, *, min_cases: int, window_days: int) -> np.ndarray:
    """Mask of the rows (group id, day number) that lie in a run of `min_cases` rows of their group
    within `window_days` days."""
    group, day = np.asarray(group, dtype=np.int64), np.asarray(day, dtype=np.int64)
    if group.shape != day.shape:
        raise ValueError("group and day must have the same length")
    if min_cases < 1 or window_days < 1:
        raise ValueError("min_cases and window_days must be at least 1")
    n = group.size
    order = np.lexsort((day, group))
    g, d = group[order], day[order]
    first = np.arange(max(n - min_cases + 1, 0))
    last = first + min_cases - 1
    run = (g[last] == g[first]) & (d[last] - d[first] < window_days)
    # mark [first, last] of every run: +1 at its start, -1 after its end, then a running sum
    marks = np.zeros(n + 1, dtype=np.int64)
    np.add.at(marks, first[run], 1)
    np.add.at(marks, last[run] + 1, -1)
    inside = np.cumsum(marks[:n]) > 0
    mask = np.zeros(n, dtype=bool)
    mask[order] = inside
    return mask
