-- device_stock_by_station: shared devices placed at each service point in the scope up to the end of the
-- year (or the snapshot date), by device type and source, and how many of them were placed in the year.
SELECT k.station_id, k.device_type, k.source,
       sum(k.quantity) AS quantity,
       coalesce(sum(k.quantity) FILTER (WHERE year(k.placed_on) = $year), 0) AS placed_in_year
FROM device_stock AS k
JOIN device_stations AS s USING (station_id)
WHERE s.region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND k.placed_on <= $until
GROUP BY k.station_id, k.device_type, k.source
ORDER BY k.station_id, k.device_type, k.source
