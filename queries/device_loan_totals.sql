-- device_loan_totals: community rental/sharing loans (社区辅具租赁) at service points in the scope lent
-- during the year, with how many came back and how many are overdue at the snapshot date.
SELECT count(*) AS loans,
       count(l.returned_on) AS returned,
       count(*) FILTER (WHERE l.returned_on IS NULL AND l.due_on < $as_of) AS overdue
FROM device_loans AS l
JOIN device_stations AS s USING (station_id)
WHERE s.region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND year(l.lent_on) = $year
