-- device_loans_by_station: community rental/sharing loans (社区辅具租赁) lent during the year at each
-- service point in the scope, by device type, with how many came back and how many are overdue at the
-- page's date `as_of` (the same counts as device_loan_totals, broken down).
SELECT station_id, device_type,
       count(*) AS loans,
       count(*) FILTER (WHERE returned_on <= $as_of) AS returned,
       count(*) FILTER (WHERE (returned_on IS NULL OR returned_on > $as_of) AND due_on < $as_of) AS overdue
FROM loans_lent_in($scope, $year)
GROUP BY station_id, device_type
ORDER BY station_id, device_type
