-- snapshot_rows: how many rows of one table ($table) of the snapshot lie within $scope, each placed by
-- the code in its column $place: a region or township itself, a facility's or a device station's region.
WITH rows AS (SELECT COLUMNS($place) AS place FROM query_table($table)),
placed AS (
    SELECT CASE $place WHEN 'facility_id' THEN f.region_code WHEN 'station_id' THEN s.region_code
                ELSE r.place END AS region_code
    FROM rows AS r
    LEFT JOIN facilities AS f ON $place = 'facility_id' AND f.facility_id = r.place
    LEFT JOIN device_stations AS s ON $place = 'station_id' AND s.station_id = r.place
)
SELECT count(*) AS rows
FROM placed
WHERE region_code IN (SELECT region_code FROM scoped_regions($scope))
