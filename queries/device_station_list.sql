-- device_station_list: every assistive-device service point (辅具服务站点) in the scope open by the end
-- of the year (or the snapshot date), with its district and township, and the unit one level below the
-- scope it lies in (NULL for a point of the scope's own unit), for the map and the tables.
WITH below AS (
    SELECT c.region_code, s.subunit_code, s.subunit_name
    FROM subunits($scope) AS s
    JOIN region_closure AS c ON c.ancestor_code = s.subunit_code
)
SELECT s.station_id, s.name, s.kind, s.region_code, p.district_name, p.township_name,
       s.lon, s.lat, s.opened_on, b.subunit_code, b.subunit_name
FROM device_stations AS s
LEFT JOIN region_places AS p USING (region_code)
LEFT JOIN below AS b USING (region_code)
WHERE s.region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND s.opened_on <= $until
ORDER BY s.station_id
