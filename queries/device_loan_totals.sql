-- device_loan_totals: community rental/sharing loans (社区辅具租赁) at service points in the scope lent
-- during the year, with how many came back, how many are overdue and how many were lost on `as_of` (the
-- page's date: a past year read from a later snapshot counts the returns made by its year-end, not those
-- made since), each loan once by loan_outcome (queries/_setup.sql).
SELECT count(*) AS loans,
       count(*) FILTER (WHERE outcome = 'returned') AS returned,
       count(*) FILTER (WHERE outcome = 'overdue') AS overdue,
       count(*) FILTER (WHERE outcome = 'lost') AS lost
FROM (SELECT loan_outcome(returned_on, due_on, loan_status, $as_of) AS outcome FROM loans_lent_in($scope, $year))
