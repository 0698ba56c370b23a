"""Jurisdiction levels and codes: GB/T 2260 six-digit codes, extended below district level.

Streets/townships take 3 more digits and communities/villages 3 more, as in the statistical
division codes (统计用区划代码, 12 digits); grids add 3 more (15 digits). Because codes nest, a
node's subtree is every code that starts with the node's significant prefix.
"""

from __future__ import annotations

LEVELS: tuple[str, ...] = ("province", "city", "district", "street", "community", "grid")
CODE_LENGTH = {"province": 6, "city": 6, "district": 6, "street": 9, "community": 12, "grid": 15}
# "root" is the system itself (CLI, jobs): the empty prefix covers the whole tree.
PREFIX_LENGTH = {"root": 0, "province": 2, "city": 4, "district": 6, "street": 9, "community": 12, "grid": 15}
MAX_CODE_LENGTH = 15


def prefix(code: str, level: str) -> str:
    """The part of `code` that every descendant's code starts with."""
    return code[: PREFIX_LENGTH[level]]


def level_rank(level: str) -> int:
    return LEVELS.index(level)


def check_code(code: str, level: str, parent_code: str | None, parent_level: str | None) -> str | None:
    """Return a reason the code cannot stand at this place in the tree, or None."""
    if level not in CODE_LENGTH:
        return f"unknown level {level!r}; expected one of {', '.join(LEVELS)}"
    if not code.isdigit() or len(code) != CODE_LENGTH[level]:
        return f"a {level} code has {CODE_LENGTH[level]} digits, got {code!r}"
    if level in ("city", "district") and code[PREFIX_LENGTH[level]:] != "0" * (6 - PREFIX_LENGTH[level]):
        return f"a {level} code ends in zeros after its first {PREFIX_LENGTH[level]} digits, got {code!r}"
    if level == "province" and code[2:] != "0000":
        return f"a province code ends in 0000, got {code!r}"
    if parent_code is None:
        return None
    if parent_level is None:
        return f"parent {parent_code} is not known"
    if level_rank(level) != level_rank(parent_level) + 1:
        return f"a {level} cannot sit under a {parent_level}"
    if not code.startswith(prefix(parent_code, parent_level)):
        return f"code {code} does not start with its parent's prefix {prefix(parent_code, parent_level)}"
    return None


def subtree_prefix(code: str) -> str:
    """The prefix of a node's subtree read from the code's shape alone (no lookup of its level)."""
    if len(code) == 6:
        if code.endswith("0000"):
            return code[:2]
        if code.endswith("00"):
            return code[:4]
    return code
