"""The region tree and the city → district → township scope chosen in the sidebar."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Scope:
    """A city, optionally narrowed to one of its districts and one of that district's townships."""

    city: str
    district: str = ""
    township: str = ""

    @property
    def root(self) -> str:
        """The region code whose subtree the figures cover."""
        return self.township or self.district or self.city

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
        if not self._allowed:
            return True
        while isinstance(code, str) and code:
            if code in self._allowed:
                return True
            code = self._parents.get(code)
        return False

    def allows_name(self, name: str) -> bool:
        """Whether a region of this name lies in an allowed subtree (a URL carries names, not codes)."""
        return any(n == name and self.allows(c) for c, n in self._names.items())

    def cities(self) -> list[str]:
        return [c for c in self.children(None) if self.level(c) == "city"]

    def resolve(self, city: str | None, district: str | None, township: str | None) -> Scope:
        """The deepest valid scope along the requested path: a stale or foreign code drops to its parent."""
        cities = self.cities()
        city = city if city in cities else (cities[0] if cities else "")
        district = district if district in self.children(city) else ""
        if not district and not self.allows(city):
            district = next(iter(self.children(city)), "")
        township = township if district and township in self.children(district) else ""
        if not township and district and not self.allows(district):
            township = next(iter(self.children(district)), "")
        return Scope(city, district, township)

    def label(self, scope: Scope) -> str:
        """'包头市 / 青山区' — the whole path, so a screenshot names its scope."""
        return " / ".join(self.name(c) for c in (scope.city, scope.district, scope.township) if c)
