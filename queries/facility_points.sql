-- facility_points: every facility of the three-tier network in the scope with its position, tier and
-- status as of the snapshot.
SELECT facility_id, name, tier, status, host_type, planned_year, lon, lat
FROM facilities
WHERE region_code IN (SELECT region_code FROM scoped_regions($scope))
ORDER BY tier, facility_id
