-- device_loan_totals: community rental/sharing loans (社区辅具租赁) at service points in the scope lent
-- during the year, with how many came back and how many are overdue on `as_of` (the page's date: a past
-- year read from a later snapshot counts the returns made by its year-end, not those made since).
SELECT count(*) AS loans,
       count(*) FILTER (WHERE returned_on <= $as_of) AS returned,
       count(*) FILTER (WHERE (returned_on IS NULL OR returned_on > $as_of) AND due_on < $as_of) AS overdue
FROM loans_lent_in($scope, $year)
