"""A profile as flat rows (dotted path → value with its citation), and the side-by-side diff of two.

Paths name every rule value: `contacts.close_contact.lookback_days`,
`categories.close_contact.phases[0].test_days`, `sla_bundles.investigation.steps[1].deadline_hours`.
The same paths are used for overrides, in the UI and on the command line.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from fangkong.protocols.schema import CITATION_KEYS, META_KEYS, Profile
from fangkong.protocols.values import Sourced

_TOKEN = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


@dataclass(frozen=True)
class Leaf:
    """One rule value of a profile: canonical value and unit, where it comes from, whether it is confirmed."""

    value: Any
    unit: str | None
    source: str
    citation: str
    confirmed: bool
    note: str
    sourced: bool


@dataclass(frozen=True)
class DiffRow:
    path: str
    a: Any
    b: Any
    unit: str | None
    changed: bool


def citation(profile: Profile, key: str) -> str:
    """The text of a source key: its title and where to find it."""
    entry = profile.sources.get(key)
    if entry is None:
        return key
    return f"{entry.title} — {entry.url}" if entry.url else entry.title


def split_path(path: str) -> list[str | int]:
    """'a.b[0].c' → ['a', 'b', 0, 'c']"""
    if not path or not re.fullmatch(r"[A-Za-z0-9_\-]+(\[\d+\]|\.[A-Za-z0-9_\-]+)*", path):
        raise ValueError(f"not a profile path: {path!r}")
    return [int(index) if index else name for index, name in _TOKEN.findall(path)]


def join_path(parts: list[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + part
    return out


def flatten(profile: Profile) -> dict[str, Leaf]:
    """Every rule value of the profile by path, in file order (metadata and citations left out)."""
    out: dict[str, Leaf] = {}
    top = {name: getattr(profile, name) for name in type(profile).model_fields if name not in META_KEYS}
    for name, value in top.items():
        _walk(profile, value, [name], ("", True), out)
    return out


def _walk(profile: Profile, value: Any, path: list, cite: tuple[str, bool], out: dict[str, Leaf],
          note: str = "") -> None:
    if value is None:
        return
    if isinstance(value, Sourced):
        out[join_path(path)] = Leaf(copy.deepcopy(value.value), value.unit, value.source,
                                    citation(profile, value.source), value.confirmed, value.note, True)
    elif isinstance(value, BaseModel):
        fields = type(value).model_fields
        if "source" in fields:
            cite = (value.source, value.confirmed)
        own_note = getattr(value, "note", "") if "note" in fields else ""
        for name in fields:
            if name not in CITATION_KEYS:
                _walk(profile, getattr(value, name), [*path, name], cite, out, own_note)
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(profile, item, [*path, key], cite, out)
    elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
        for index, item in enumerate(value):
            _walk(profile, item, [*path, index], cite, out)
    else:
        out[join_path(path)] = Leaf(copy.deepcopy(value), None, cite[0], citation(profile, cite[0]) if cite[0] else "",
                                    cite[1], note, False)


def unflatten(values: dict[str, Any], prefix: str) -> Any:
    """The plain value at `prefix`: a leaf's value, or the nested dicts and lists of the leaves below it."""
    if prefix in values:
        return copy.deepcopy(values[prefix])
    below = {p: v for p, v in values.items() if p.startswith(prefix + ".") or p.startswith(prefix + "[")}
    if not below:
        raise KeyError(prefix)
    root: dict = {}
    depth = len(split_path(prefix))
    for path, value in below.items():
        _place(root, split_path(path)[depth:], copy.deepcopy(value))
    return _listify(root)


def _place(node: dict, parts: list, value: Any) -> None:
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _listify(node: Any) -> Any:
    """Dicts keyed by list indexes become lists again."""
    if not isinstance(node, dict):
        return node
    if node and all(isinstance(k, int) for k in node):
        return [_listify(node[k]) for k in sorted(node)]
    return {k: _listify(v) for k, v in node.items()}


def plain(profile: Profile, path: str) -> Any:
    """The plain canonical value at `path` of a profile (no overrides), e.g. a category's schedule."""
    return unflatten({p: leaf.value for p, leaf in flatten(profile).items()}, path)


def diff(a: Profile, b: Profile, *, changed_only: bool = False) -> list[DiffRow]:
    """Rows for the side-by-side view: every path of either profile, with `changed` where they differ."""
    left, right = flatten(a), flatten(b)
    order = _merged_order(list(left), list(right))
    rows = []
    for path in order:
        la, lb = left.get(path), right.get(path)
        va = la.value if la else None
        vb = lb.value if lb else None
        changed = (la is None) != (lb is None) or va != vb
        if changed or not changed_only:
            rows.append(DiffRow(path, va, vb, (la or lb).unit, changed))
    return rows


def _merged_order(first: list[str], second: list[str]) -> list[str]:
    """Paths of both lists, those only in `second` placed after their predecessor there."""
    order = list(first)
    seen = set(order)
    for i, path in enumerate(second):
        if path in seen:
            continue
        position = order.index(second[i - 1]) + 1 if i else 0
        order.insert(position, path)
        seen.add(path)
    return order
