"""Jurisdiction names for pages: short labels for table rows and the tree as filter choices."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from fangkong.authz import Actor
from fangkong.geo import service as geo
from fangkong.geo.levels import LEVELS, level_rank

# Code lengths of the levels below the province: district 6, street 9, community 12, grid 15.
_ANCESTOR_LENGTHS = (6, 9, 12, 15)


@dataclass(frozen=True)
class Place:
    short: str
    full: str


def _name(node, language: str) -> str:
    return node.name_en if language == "en" and node.name_en else node.name_zh


def labels(*, session: Session, actor: Actor, codes: Iterable[str], language: str) -> dict[str, Place]:
    """For each code: the last two names of its path (e.g. 长江路社区 第1网格) and the whole path."""
    codes = {c for c in codes if c}
    wanted = {c[:n] for c in codes for n in _ANCESTOR_LENGTHS if n <= len(c)}
    nodes = geo.get_many(session=session, actor=actor, codes=wanted | codes)
    out = {}
    for code in codes:
        chain = [nodes[c] for c in sorted({code[:n] for n in _ANCESTOR_LENGTHS if n <= len(code)} | {code}, key=len)
                 if c in nodes and nodes[c].level not in ("province", "city")]
        names = [_name(n, language) for n in chain] or [code]
        out[code] = Place(short=" ".join(names[-2:]), full=" / ".join(names))
    return out


def choices(*, session: Session, actor: Actor, language: str, deepest: str = "community") -> list[tuple[str, str]]:
    """The actor's subtree down to `deepest` (one level further for users below it), indented by depth."""
    own_rank = level_rank(actor.jurisdiction_level) if actor.jurisdiction_level in LEVELS else -1
    last = max(level_rank(deepest), own_rank + 1)
    nodes = []
    for level in LEVELS[own_rank + 1:last + 1]:
        nodes += geo.list_nodes(session=session, actor=actor, level=level)
    nodes.sort(key=lambda n: n.code)
    return [(n.code, "\u3000" * (level_rank(n.level) - own_rank - 1) + _name(n, language)) for n in nodes]
