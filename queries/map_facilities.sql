-- map_facilities: every facility of the three-tier network in the scope, as of the snapshot, with its
-- position, host, status and the township and district it belongs to (for the map, its cards and lists).
WITH places AS (
    SELECT c.region_code, r.level, r.region_code AS code, r.name
    FROM region_closure AS c
    JOIN regions AS r ON r.region_code = c.ancestor_code
    WHERE r.level IN ('district', 'township')
)
SELECT f.facility_id, f.name, f.tier, f.status, f.region_code,
       t.code AS township_code, t.name AS township_name,
       d.code AS district_code, d.name AS district_name,
       f.host_type, f.host_name, f.opened_on, f.planned_year, f.staff, f.lon, f.lat
FROM facilities AS f
LEFT JOIN places AS t ON t.region_code = f.region_code AND t.level = 'township'
LEFT JOIN places AS d ON d.region_code = f.region_code AND d.level = 'district'
WHERE f.region_code IN (SELECT region_code FROM scoped_regions($scope))
ORDER BY f.tier, f.facility_id
