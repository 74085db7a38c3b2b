-- map_facilities: every facility of the three-tier network in the scope, as of the snapshot, with its
-- position, host, status and the township and district it belongs to (for the map, its cards and lists).
SELECT f.facility_id, f.name, f.tier, f.status, f.region_code,
       p.township_code, p.township_name, p.district_code, p.district_name,
       f.host_type, f.host_name, f.opened_on, f.planned_year, f.staff, f.lon, f.lat
FROM facilities AS f
LEFT JOIN region_places AS p USING (region_code)
WHERE f.region_code IN (SELECT region_code FROM scoped_regions($scope))
ORDER BY f.tier, f.facility_id
