-- map_subunit_counts: the units one level below the scope with their three-tier network counted (built
-- and planned per tier), their townships and villages, the townships with a built station and the
-- villages with a built room, designated institutions, and device points open by $until: the map of a
-- scope above the city, which shades one polygon per unit instead of drawing one point per facility.
-- The facilities as they stood on $until (facilities_on), so a past year's map shows its year-end state.
WITH under AS (
    SELECT c.region_code, s.subunit_code
    FROM subunits($scope) AS s
    JOIN region_closure AS c ON c.ancestor_code = s.subunit_code
),
network AS (
    SELECT u.subunit_code,
           count(*) FILTER (WHERE f.tier = 'district_center' AND f.status = 'built') AS centres_built,
           count(*) FILTER (WHERE f.tier = 'district_center' AND f.status <> 'built') AS centres_planned,
           count(*) FILTER (WHERE f.tier = 'township_station' AND f.status = 'built') AS stations_built,
           count(*) FILTER (WHERE f.tier = 'township_station' AND f.status <> 'built') AS stations_planned,
           count(*) FILTER (WHERE f.tier = 'village_room' AND f.status = 'built') AS rooms_built,
           count(*) FILTER (WHERE f.tier = 'village_room' AND f.status <> 'built') AS rooms_planned,
           count(DISTINCT p.township_code) FILTER (WHERE f.tier = 'township_station' AND f.status = 'built')
               AS townships_with_station,
           count(DISTINCT f.region_code) FILTER (WHERE f.tier = 'village_room' AND f.status = 'built'
                                                  AND r.level = 'village') AS villages_with_room
    FROM facilities_on($until) AS f
    JOIN under AS u USING (region_code)
    JOIN regions AS r USING (region_code)
    LEFT JOIN region_places AS p USING (region_code)
    GROUP BY u.subunit_code
),
places AS (
    SELECT u.subunit_code,
           count(*) FILTER (WHERE r.level = 'township') AS townships,
           count(*) FILTER (WHERE r.level = 'village') AS villages
    FROM regions AS r JOIN under AS u USING (region_code)
    GROUP BY u.subunit_code
),
sites AS (
    SELECT u.subunit_code, count(*) AS institutions
    FROM institutions AS i JOIN under AS u USING (region_code)
    GROUP BY u.subunit_code
),
points AS (
    SELECT u.subunit_code, count(*) AS device_points
    FROM device_stations AS d JOIN under AS u USING (region_code)
    WHERE d.opened_on <= $until
    GROUP BY u.subunit_code
)
SELECT s.subunit_code, s.subunit_name, r.level, r.lon, r.lat,
       coalesce(n.centres_built, 0) AS centres_built, coalesce(n.centres_planned, 0) AS centres_planned,
       coalesce(n.stations_built, 0) AS stations_built, coalesce(n.stations_planned, 0) AS stations_planned,
       coalesce(n.rooms_built, 0) AS rooms_built, coalesce(n.rooms_planned, 0) AS rooms_planned,
       coalesce(pl.townships, 0) AS townships, coalesce(n.townships_with_station, 0) AS townships_with_station,
       coalesce(pl.villages, 0) AS villages, coalesce(n.villages_with_room, 0) AS villages_with_room,
       coalesce(si.institutions, 0) AS institutions, coalesce(pt.device_points, 0) AS device_points
FROM subunits($scope) AS s
JOIN regions AS r ON r.region_code = s.subunit_code
LEFT JOIN network AS n USING (subunit_code)
LEFT JOIN places AS pl USING (subunit_code)
LEFT JOIN sites AS si USING (subunit_code)
LEFT JOIN points AS pt USING (subunit_code)
ORDER BY s.subunit_code
