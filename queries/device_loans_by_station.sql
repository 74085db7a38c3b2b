-- device_loans_by_station: community rental/sharing loans (社区辅具租赁) lent during the year at each
-- service point in the scope, by device type, with how many came back, are overdue or were lost at the
-- page's date `as_of` (the same counts as device_loan_totals, broken down).
SELECT station_id, device_type,
       count(*) AS loans,
       count(*) FILTER (WHERE outcome = 'returned') AS returned,
       count(*) FILTER (WHERE outcome = 'overdue') AS overdue,
       count(*) FILTER (WHERE outcome = 'lost') AS lost
FROM (SELECT station_id, device_type, loan_outcome(returned_on, due_on, loan_status, $as_of) AS outcome
      FROM loans_lent_in($scope, $year))
GROUP BY station_id, device_type
ORDER BY station_id, device_type
