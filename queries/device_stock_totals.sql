-- device_stock_totals: shared devices placed at service points in the scope during the year, by device
-- type, source of the devices and kind of station.
SELECT k.device_type, k.source, s.kind AS station_kind, sum(k.quantity) AS quantity
FROM device_stock AS k
JOIN device_stations AS s USING (station_id)
WHERE s.region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND year(k.placed_on) = $year
GROUP BY k.device_type, k.source, s.kind
ORDER BY k.device_type, k.source, s.kind
