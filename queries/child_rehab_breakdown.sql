-- child_rehab_breakdown: children's rehab assistance in the scope this year up to the snapshot date,
-- by one dimension: $dimension is 'disability_type' or 'age_band'. Codes with no children are absent.
SELECT CASE $dimension WHEN 'disability_type' THEN disability_type
                       WHEN 'age_band' THEN age_band END AS category,
       sum(applicants) AS applicants,
       sum(aided) AS aided,
       sum(early_intervention) AS early_intervention,
       sum(funds_yuan) AS funds_yuan
FROM rows_in_scope('child_rehab', $scope)
WHERE in_year_to(period, $year, $until)
GROUP BY category
ORDER BY category
