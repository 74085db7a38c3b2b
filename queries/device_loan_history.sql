-- device_loan_history: every loan and refused request (信用积分) at the service points in the scope lent
-- (or asked for) up to `until`, with its pseudonymous borrower reference: what the credit rule
-- (kernel/credit.py) scores. The library only ever hands totals of it to a page.
SELECT l.borrower_ref, l.station_id, l.lent_on, l.due_on, l.returned_on, l.loan_status
FROM device_loans AS l
JOIN device_stations AS s USING (station_id)
WHERE s.region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND l.lent_on <= $until
ORDER BY l.lent_on, l.loan_id
