-- device_station_counts: assistive-device service points (辅具服务站点) in the scope open by the end of
-- the year (or the snapshot date), by kind.
SELECT kind, count(*) AS stations
FROM device_stations
WHERE region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND opened_on <= $until
GROUP BY kind
ORDER BY kind
