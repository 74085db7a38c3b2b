-- device_loans_by_station: community rental/sharing loans (社区辅具租赁) lent during the year at each
-- service point in the scope, by device type, with how many came back and how many are overdue at the
-- snapshot date (the same counts as device_loan_totals, broken down).
SELECT l.station_id, l.device_type,
       count(*) AS loans,
       count(l.returned_on) AS returned,
       count(*) FILTER (WHERE l.returned_on IS NULL AND l.due_on < $as_of) AS overdue
FROM device_loans AS l
JOIN device_stations AS s USING (station_id)
WHERE s.region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND year(l.lent_on) = $year
GROUP BY l.station_id, l.device_type
ORDER BY l.station_id, l.device_type
