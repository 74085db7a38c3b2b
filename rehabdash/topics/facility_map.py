"""The three-tier network of a scope (挂图作战) as data: facilities built and planned, regions,
institutions and their pairings, device points; the facility card and the township coverage table.

The map itself is drawn from these by rehabdash.maps.facility_map. Text comes from i18n in the
language passed in.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from shapely.geometry import shape

from rehabdash.kernel import i18n, memo
from rehabdash.kernel.contract import FACILITY_STATUSES, TIERS
from rehabdash.kernel.formatting import month, rate
from rehabdash.kernel.indicators import ratio
from rehabdash.kernel.measures import Measure, RunQuery
from rehabdash.store import boundaries

LAYERS = ("boundaries", "institutions", "pairings", "device_points")



# Device points stay off until asked for: at city scale they crowd the stations.
DEFAULT_LAYERS = ("boundaries", "institutions", "pairings")
# At a city's scale the pairing lines tangle over the urban core and catch clicks meant for drill-down.
CITY_DEFAULT_LAYERS = ("boundaries", "institutions")


def default_layers(scope_level: str) -> tuple[str, ...]:
    return CITY_DEFAULT_LAYERS if scope_level == "city" else DEFAULT_LAYERS



STATUS_MARKS = {"built": "●", "planned_near": "○", "planned_far": "◌"}  # the map's styles, as text



@dataclass(frozen=True)
class View:
    """What the page's toggles show: which tiers, statuses and other layers."""

    tiers: tuple[str, ...] = TIERS
    statuses: tuple[str, ...] = FACILITY_STATUSES
    layers: tuple[str, ...] = DEFAULT_LAYERS



@dataclass(frozen=True)
class MapData:
    """Everything the map of one scope draws, as of one snapshot."""

    facilities: pd.DataFrame  # map_facilities plus `label`, a name unique in the scope
    regions: pd.DataFrame  # map_regions: the scope's districts and townships with their seats
    pairings: pd.DataFrame  # map_pairings: institution-township pairs of the scope's townships
    institutions: pd.DataFrame  # map_institutions
    device_points: pd.DataFrame  # device_station_list as of the snapshot



def text(lang: str, key: str, **values) -> str:
    return i18n.text(lang, f"map.{key}", **values)



def facility_labels(facilities: pd.DataFrame) -> pd.Series:
    """A name per facility that tells it apart in lists and URLs: village rooms carry their township
    (many villages share a name, 红星社区); anything still repeated carries its id."""
    rooms = facilities["tier"].eq("village_room") & facilities["township_name"].notna()
    labels = facilities["name"].where(~rooms, facilities["name"] + "（" + facilities["township_name"] + "）")
    repeated = labels.duplicated(keep=False)
    return labels.where(~repeated, labels + " [" + facilities["facility_id"] + "]")



def polygon_seats(codes) -> dict[str, tuple[float, float]]:
    """(lon, lat) of a point inside the township polygon of each of ``codes`` that has one (its
    largest part's representative point): where a township from the division list, which has no
    seat, is placed once its boundaries are imported."""
    seats = {}
    for feature in boundaries.features("townships", codes):
        geometry = shape(feature["geometry"])
        if geometry.geom_type == "MultiPolygon":
            geometry = max(geometry.geoms, key=lambda g: g.area)
        point = geometry.representative_point()
        seats[feature["properties"]["region_code"]] = (round(point.x, 6), round(point.y, 6))
    return seats


def _seated(regions: pd.DataFrame, pairings: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The regions and pairings with every seatless township placed by polygon_seats where it can be;
    the others keep an empty seat (the map counts them: unplaced_townships)."""
    seatless = regions["level"].eq("township") & (regions["lon"].isna() | regions["lat"].isna())
    seats = polygon_seats(regions.loc[seatless, "region_code"]) if seatless.any() else {}
    if not seats:
        return regions, pairings
    regions, pairings = regions.copy(), pairings.copy()
    for frame, code, lon, lat in ((regions, "region_code", "lon", "lat"),
                                  (pairings, "township_code", "township_lon", "township_lat")):
        found = frame[code].map(seats)
        empty = frame[lon].isna() & found.notna()
        frame.loc[empty, lon] = found[empty].str[0]
        frame.loc[empty, lat] = found[empty].str[1]
    return regions, pairings


def unplaced_townships(regions: pd.DataFrame, named: int = 10) -> tuple[int, list[str]]:
    """How many townships have neither a seat nor a polygon (the map cannot place them), and the
    names of the first ``named`` of them."""
    lacking = regions[regions["level"].eq("township") & (regions["lon"].isna() | regions["lat"].isna())]
    return len(lacking), lacking["name"].head(named).tolist()


def load(run: RunQuery, as_of: dt.date) -> MapData:
    return _load(run, as_of, boundaries.version())


@memo.by_inputs
def _load(run: RunQuery, as_of: dt.date, boundary_version: tuple) -> MapData:
    """load, keyed by the boundary files too: imported township polygons place seatless townships."""
    facilities = run("map_facilities")
    regions, pairings = _seated(run("map_regions"), run("map_pairings"))
    return MapData(
        facilities=facilities.assign(label=facility_labels(facilities)),
        regions=regions,
        pairings=pairings,
        institutions=run("map_institutions"),
        device_points=run("device_station_list", until=as_of),
    )



# Above the city the map draws no facility points: a province holds tens of thousands of rooms, the
# nation half a million. It shades the units one level down and counts their network in SQL; points
# appear from the city down.
AGGREGATED_LEVELS = ("nation", "province")
UNIT_THEME = "room_coverage"  # the shading above the city when no thematic indicator is chosen
COUNT_COLUMNS = ("centres_built", "centres_planned", "stations_built", "stations_planned", "rooms_built",
                 "rooms_planned", "townships", "townships_with_station", "villages", "villages_with_room",
                 "institutions", "device_points")


@dataclass(frozen=True)
class UnitMap:
    """The map of a scope above the city: the units one level down (``map_subunit_counts``:
    subunit_code, subunit_name, level, lon, lat and COUNT_COLUMNS), no facility, region or pairing rows."""

    scope_root: str
    scope_level: str
    units: pd.DataFrame

    @property
    def regions(self) -> pd.DataFrame:
        """The units as rows of the region tree (region_code, name, level, parent_code, lon, lat)."""
        u = self.units
        return pd.DataFrame({"region_code": u["subunit_code"], "name": u["subunit_name"], "level": u["level"],
                             "parent_code": self.scope_root, "lon": u["lon"], "lat": u["lat"]})


# A city with more facilities than this is drawn like a province, its districts shaded and counted
# (重庆市's 38 districts hold 6,000; a point each is 3 MB of map); points appear at its districts.
CITY_POINTS_MAX = 3_000


def aggregated(level: str) -> bool:
    """Whether the map of a scope of ``level`` counts per unit instead of drawing points (a large
    city too: see load_scope)."""
    return level in AGGREGATED_LEVELS


def load_scope(run: RunQuery, as_of: dt.date, scope_root: str, scope_level: str,
               until: dt.date | None = None) -> MapData | UnitMap:
    """What the map of the scope draws: above the city, and for a city of more than CITY_POINTS_MAX
    facilities, the units one level down with their counts; else every facility (``load``).
    ``until``: the facilities as they stood that day (a past year's year end; one built later was
    still planned then), else as of the snapshot."""
    large_city = scope_level == "city" and int(run("facility_counts")["facilities"].sum()) > CITY_POINTS_MAX
    if aggregated(scope_level) or large_city:
        return UnitMap(scope_root, scope_level, run("map_subunit_counts", until=until or as_of))
    data = load(run, as_of)
    if until is None or until >= as_of:
        return data
    return dataclasses.replace(data, facilities=facilities_on(run, data.facilities, until))


def facilities_on(run: RunQuery, facilities: pd.DataFrame, until: dt.date) -> pd.DataFrame:
    """`facilities` (rows of map_facilities) with their status as it stood on `until`: one built later
    was still planned then, by the facilities_on macro of queries/_setup.sql."""
    status = run("facility_status_until", until=until).set_index("facility_id")["status"]
    return facilities.assign(status=facilities["facility_id"].map(status))


def unit_table(data: UnitMap, lang: str, values: dict[str, dict[str, str]] | None = None) -> pd.DataFrame:
    """The units' counts as shown under the map and downloaded: headers in the language; ``values``:
    {column header: {unit code: text}} added after the name (the thematic indicator's value)."""
    u = data.units
    table = pd.DataFrame({text(lang, "col_unit"): u["subunit_name"]})
    for header, by_code in (values or {}).items():
        table[header] = u["subunit_code"].map(by_code).to_numpy()
    for column in COUNT_COLUMNS:
        table[text(lang, f"col_{column}")] = u[column].astype(int)
    table[text(lang, "col_station_coverage")] = [rate(ratio(n, d)) for n, d in
                                                 zip(u["townships_with_station"], u["townships"])]
    table[text(lang, "col_room_coverage")] = [rate(ratio(n, d)) for n, d in zip(u["villages_with_room"], u["villages"])]
    return table


def unit_details(data: UnitMap, lang: str) -> dict[str, str]:
    """Per unit, its network in one line for the map's tooltip: '康复站 已建成 120 · 规划 8 · …'."""
    return {row.subunit_code: text(lang, "unit_counts", centres=int(row.centres_built),
                                   stations=int(row.stations_built), stations_planned=int(row.stations_planned),
                                   rooms=int(row.rooms_built), rooms_planned=int(row.rooms_planned),
                                   villages=int(row.villages))
            for row in data.units.itertuples()}


def shown_facilities(data: MapData, view: View) -> pd.DataFrame:
    """The facilities the view draws (those without a position cannot be drawn)."""
    f = data.facilities
    keep = f["tier"].isin(view.tiers) & f["status"].isin(view.statuses) & f["lon"].notna() & f["lat"].notna()
    return f[keep]



def townships_without_station(data: MapData) -> set[str]:
    """Townships of the scope with no built township station (marked on the map and in the table)."""
    townships = set(data.regions.loc[data.regions["level"] == "township", "region_code"])
    f = data.facilities
    built = set(f.loc[(f["tier"] == "township_station") & (f["status"] == "built"), "township_code"])
    return townships - built



def status_text(row, lang: str) -> str:
    """'● 已建成 · 2023年9月启用' / '○ 近期规划建设 · 计划2026年建成': mark, word and date."""
    word = f"{STATUS_MARKS[row['status']]} {i18n.code_label(lang, 'status', row['status'])}"
    if row["status"] == "built":
        opened = row["opened_on"]
        return word if pd.isna(opened) else \
            f"{word} · {text(lang, 'opened', date=month(pd.Timestamp(opened).date(), lang))}"
    year = row["planned_year"]
    if pd.isna(year):
        return f"{word} · {text(lang, 'planned_unknown')}"
    return f"{word} · {text(lang, 'planned', year=int(year))}"



def status_texts(facilities: pd.DataFrame, lang: str) -> pd.Series:
    """status_text of every row, worked out once per distinct (status, opening month, planned year):
    a city has thousands of rooms but a few dozen such combinations."""
    opened = pd.to_datetime(facilities["opened_on"]).dt.to_period("M").dt.to_timestamp()
    keys = pd.DataFrame({"status": facilities["status"], "opened_on": opened,
                         "planned_year": facilities["planned_year"]})
    distinct = keys.drop_duplicates()
    texts = {tuple(k): status_text(row, lang)
             for k, (_, row) in zip(distinct.itertuples(index=False), distinct.iterrows())}
    return pd.Series([texts[tuple(k)] for k in keys.itertuples(index=False)], index=facilities.index,
                     dtype=object)



@dataclass(frozen=True)
class FacilityCard:
    facility: pd.Series
    services_region: str  # the unit whose services are shown: district, or township (also for rooms)
    services: Measure  # value = served, base = need, this year to date
    partners: pd.DataFrame  # institution_name, kind, since: paired with the facility's township(s)
    rooms: pd.DataFrame | None = field(default=None)  # a station's village rooms, else None



@memo.by_inputs
def facility_card(run: RunQuery, data: MapData, facility_id: str, year: int, until: dt.date) -> FacilityCard:
    facility = data.facilities.set_index("facility_id").loc[facility_id]
    facility = pd.concat([pd.Series({"facility_id": facility_id}), facility])
    if facility["tier"] == "district_center":
        region, region_name = facility["district_code"], facility["district_name"]
        townships = data.regions.loc[data.regions["parent_code"] == region, "region_code"]
    else:
        region, region_name = facility["township_code"], facility["township_name"]
        townships = pd.Series([region])
    services = run("region_services", region=region, year=year, until=until).iloc[0]
    partners = (data.pairings[data.pairings["township_code"].isin(townships)]
                .drop_duplicates("institution_id")[["institution_name", "kind", "since", "township_name"]])
    rooms = None
    if facility["tier"] == "township_station":
        f = data.facilities
        rooms = f[(f["tier"] == "village_room") & (f["township_code"] == region)]
        order = {s: i for i, s in enumerate(FACILITY_STATUSES)}
        rooms = rooms.sort_values(["status", "name"], key=lambda c: c.map(order) if c.name == "status" else c)
    return FacilityCard(facility, region_name, Measure(services["served"], base=services["need"]),
                        partners.reset_index(drop=True), rooms)



@memo.by_inputs
def township_coverage(run: RunQuery, data: MapData) -> pd.DataFrame:
    """Per township of the scope: its station (status, year), villages, villages with a built room,
    rooms planned per year (columns ``planned_<year>``), paired institutions."""
    table = run("township_coverage")
    f = data.facilities
    stations = f[f["tier"] == "township_station"].copy()
    stations["rank"] = stations["status"].map({s: i for i, s in enumerate(FACILITY_STATUSES)})
    stations = stations.sort_values("rank").drop_duplicates("township_code")  # the most advanced one
    stations["station_year"] = stations["opened_on"].dt.year.where(
        stations["status"] == "built", stations["planned_year"]).astype("Int64")
    table = table.merge(stations[["township_code", "status", "station_year"]]
                        .rename(columns={"status": "station_status"}), on="township_code", how="left")
    planned = f[(f["tier"] == "village_room") & (f["status"] != "built") & f["planned_year"].notna()]
    per_year = planned.pivot_table(index="township_code", columns="planned_year", values="facility_id",
                                   aggfunc="count", fill_value=0)
    per_year.columns = [f"planned_{int(y)}" for y in per_year.columns]
    table = table.merge(per_year, left_on="township_code", right_index=True, how="left")
    table[list(per_year.columns)] = table[list(per_year.columns)].fillna(0).astype(int)
    table["room_coverage"] = [ratio(w, v) for w, v in zip(table["villages_with_room"], table["villages"])]
    return table



def station_text(status, year, lang: str) -> str:
    """The coverage table's station cell: mark, status word and year, or '✖ 未规划'."""
    if not isinstance(status, str):
        return f"✖ {text(lang, 'station_none')}"
    word = f"{STATUS_MARKS[status]} {i18n.code_label(lang, 'status', status)}"
    return word if pd.isna(year) else text(lang, "station_year", status=word, year=int(year))



@memo.by_inputs
def coverage_table(coverage: pd.DataFrame, lang: str, with_district: bool) -> pd.DataFrame:
    """The coverage table as shown and downloaded: headers in the language, statuses as words."""
    planned = [c for c in coverage.columns if c.startswith("planned_")]
    table = pd.DataFrame({text(lang, "col_township"): coverage["township_name"]})
    if with_district:
        table[text(lang, "col_district")] = coverage["district_name"]
    table[text(lang, "col_station")] = [station_text(s, y, lang) for s, y in
                                        zip(coverage["station_status"], coverage["station_year"])]
    table[text(lang, "col_villages")] = coverage["villages"]
    table[text(lang, "col_villages_with_room")] = coverage["villages_with_room"]
    table[text(lang, "col_room_coverage")] = coverage["room_coverage"].map(rate)
    for column in planned:
        table[text(lang, "col_planned", year=column.removeprefix("planned_"))] = coverage[column]
    table[text(lang, "col_paired")] = [text(lang, "list_separator").join(names)
                                       for names in coverage["paired_institutions"]]
    return table
