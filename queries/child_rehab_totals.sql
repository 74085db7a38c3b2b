-- child_rehab_totals: children's rehab assistance (残疾儿童康复救助) in the scope, this year up to the
-- snapshot date and last year up to the same day, one row per year.
SELECT year(period) AS year,
       sum(applicants) AS applicants,
       sum(aided) AS aided,
       sum(early_intervention) AS early_intervention,
       sum(funds_yuan) AS funds_yuan
FROM rows_in_scope('child_rehab', $scope)
WHERE this_and_last_year(period, $year, $until, $until_last_year)
GROUP BY year
ORDER BY year
