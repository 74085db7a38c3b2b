-- device_station_list: every assistive-device service point (辅具服务站点) in the scope open by the end
-- of the year (or the snapshot date), with its district and township, for the map and the tables.
WITH places AS (
    SELECT c.region_code, r.level, r.name
    FROM region_closure AS c
    JOIN regions AS r ON r.region_code = c.ancestor_code
    WHERE r.level IN ('district', 'township')
)
SELECT s.station_id, s.name, s.kind, s.region_code, d.name AS district_name, t.name AS township_name,
       s.lon, s.lat, s.opened_on
FROM device_stations AS s
LEFT JOIN places AS d ON d.region_code = s.region_code AND d.level = 'district'
LEFT JOIN places AS t ON t.region_code = s.region_code AND t.level = 'township'
WHERE s.region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND s.opened_on <= $until
ORDER BY s.station_id
