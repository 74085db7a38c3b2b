"""The region tree and the scope chosen in the sidebar: from the top of the tree (a nation, province or
city, whatever the regions table's roots are) down to a township."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Scope:
    """A city, optionally narrowed to one of its districts and one of that district's townships; above
    the city, ``above`` holds the (level, code) chosen from the top of the tree (nation, province),
    and ``city`` is empty when the scope is one of them as a whole."""

    city: str
    district: str = ""
    township: str = ""
    above: tuple[tuple[str, str], ...] = ()

    @property
    def root(self) -> str:
        """The region code whose subtree the figures cover."""
        return self.township or self.district or self.city or (self.above[-1][1] if self.above else "")

    @property
    def level(self) -> str:
        """The level of the root: nation, province, city, district or township."""
        if self.township or self.district or self.city or not self.above:
            return "township" if self.township else "district" if self.district else "city"
        return self.above[-1][0]

    @property
    def path(self) -> tuple[str, ...]:
        """The codes chosen, from the top of the tree down to the root."""
        return tuple(c for _, c in self.above) + tuple(c for c in (self.city, self.district, self.township) if c)

    @property
    def codes(self) -> tuple[str, ...]:
        """The `$scope` parameter of every named query."""
        return (self.root,)


class RegionTree:
    """Names and children of every region, from the `regions` query."""

    def __init__(self, regions: pd.DataFrame, allowed: tuple[str, ...] = ()):
        self._allowed = set(allowed)  # roots the account may see; () = everything
        self._parents = dict(zip(regions["region_code"], regions["parent_code"]))
        self._names = dict(zip(regions["region_code"], regions["name"]))
        self._levels = dict(zip(regions["region_code"], regions["level"]))
        self._children: dict[str | None, list[str]] = {}
        for code, parent in zip(regions["region_code"], regions["parent_code"]):
            parent = parent if isinstance(parent, str) and parent else None
            self._children.setdefault(parent, []).append(code)

    def name(self, code: str) -> str:
        return self._names.get(code, code)

    def level(self, code: str) -> str | None:
        return self._levels.get(code)

    def children(self, code: str | None) -> list[str]:
        """Direct children of `code` (the cities for None), in code order."""
        return sorted(self._children.get(code, []))

    def allows(self, code: str) -> bool:
        """Whether the account may see `code` as a whole (it lies in an allowed subtree)."""
        return lies_within(code, self._allowed, self._parents)

    def levels_above_city(self) -> list[str]:
        """The levels the tree has above its cities, top first (e.g. ['nation', 'province']; [] for
        the sample, whose roots are cities)."""
        levels, parents = [], [None]
        while parents:
            codes = [c for p in parents for c in self.children(p)]
            above = [c for c in codes if self.level(c) in ("nation", "province")]
            if not above:
                break
            levels.append(self.level(above[0]))
            parents = above
        return levels

    def path(self, code: str) -> list[str]:
        """`code` and its ancestors, top first: the breadcrumb of a scope (包头市 › 青山区 › 先锋道街道)."""
        return ancestry(code, self._parents)[::-1]

    def allows_name(self, name: str) -> bool:
        """Whether a region of this name lies in an allowed subtree (a URL carries names, not codes)."""
        return any(n == name and self.allows(c) for c, n in self._names.items())

    def cities(self, parent: str | None = None) -> list[str]:
        """The cities directly under ``parent`` (the top of the tree for None)."""
        return [c for c in self.children(parent) if self.level(c) == "city"]

    def resolve(self, city: str | None, district: str | None, township: str | None,
                above: tuple[str | None, ...] = ()) -> Scope:
        """The deepest valid scope along the requested path: a stale or foreign code drops to its parent.
        ``above``: the codes requested at each of levels_above_city(), top first ('' or None = 全部)."""
        levels = self.levels_above_city()
        requested = list(above) + [None] * (len(levels) - len(above))
        chosen: list[tuple[str, str]] = []
        parent = None
        for level, code in zip(levels, requested):
            options = [c for c in self.children(parent) if self.level(c) == level]
            if code not in options:
                if parent is not None and self.allows(parent):
                    return Scope("", above=tuple(chosen))  # 全部: the parent as a whole
                if not options:
                    break
                code = options[0]  # the top level always has a choice, as the cities do
            chosen.append((level, code))
            parent = code
        if levels and not city and parent is not None and self.allows(parent):
            return Scope("", above=tuple(chosen))
        cities = self.cities(parent)
        city = city if city in cities else (cities[0] if cities else "")
        district = district if district in self.children(city) else ""
        if not district and not self.allows(city):
            district = next(iter(self.children(city)), "")
        township = township if district and township in self.children(district) else ""
        if not township and district and not self.allows(district):
            township = next(iter(self.children(district)), "")
        return Scope(city, district, township, tuple(chosen))

    def label(self, scope: Scope) -> str:
        """'包头市 / 青山区' — the whole path, so a screenshot names its scope."""
        return " / ".join(self.name(c) for c in scope.path)


# "A region lies in a scope": at or below one of the scope's region codes, through the tree's parents.
# The one Python form of the rule (queries use region_closure in queries/_setup.sql).

def ancestry(code, parents: dict) -> list[str]:
    """`code` and its ancestors, nearest first, through `parents` (code → parent code); [] for no code.
    A loop in the tree ends the walk."""
    found: list[str] = []
    while isinstance(code, str) and code and code not in found:
        found.append(code)
        code = parents.get(code)
    return found


def lies_within(code, roots, parents: dict) -> bool:
    """Whether `code` lies at or below one of `roots` (an account's or a scope's region codes); every
    region does for no roots."""
    return not roots or not set(roots).isdisjoint(ancestry(code, parents))


def codes_within(parents: dict, roots) -> set[str]:
    """Every code of `parents` that lies within `roots` (lies_within for the whole tree at once, walked
    down from the roots: a nation's half a million villages take a fraction of the time)."""
    if not roots:
        return set(parents)
    children: dict[str, list[str]] = {}
    for code, parent in parents.items():
        if isinstance(parent, str) and parent:
            children.setdefault(parent, []).append(code)
    found, todo = set(), [r for r in roots if r in parents]
    while todo:
        code = todo.pop()
        if code not in found:
            found.add(code)
            todo.extend(children.get(code, ()))
    return found


def district_of(code: str, parents: dict, levels: dict) -> str | None:
    """The district a region lies in (itself for a district); None above district level or if unknown."""
    return next((c for c in ancestry(code, parents) if levels.get(c) == "district"), None)
