-- rehab_services_totals: need and served (精准康复) in the scope, this year up to the snapshot date
-- and last year up to the same day, one row per year.
SELECT year(period) AS year, sum(need_count) AS need, sum(served_count) AS served
FROM rows_in_scope('rehab_services', $scope)
WHERE this_and_last_year(period, $year, $until, $until_last_year)
GROUP BY year
ORDER BY year
