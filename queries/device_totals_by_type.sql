-- device_totals_by_type: assistive-device need and persons fitted (辅具适配) in the scope by device type,
-- this year up to the snapshot date.
SELECT device_type, sum(need_count) AS need, sum(fitted_count) AS fitted
FROM assistive_devices
WHERE region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND in_year_to(period, $year, $until)
GROUP BY device_type
ORDER BY device_type
