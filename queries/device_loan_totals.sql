-- device_loan_totals: community rental/sharing loans (社区辅具租赁) at service points in the scope lent
-- during the year, with how many came back and how many are overdue at the snapshot date.
SELECT count(*) AS loans,
       count(returned_on) AS returned,
       count(*) FILTER (WHERE returned_on IS NULL AND due_on < $as_of) AS overdue
FROM loans_lent_in($scope, $year)
