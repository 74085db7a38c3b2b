-- rehab_services_by_type: need and served (精准康复) in the scope by disability type, this year up to the
-- snapshot date.
SELECT disability_type, sum(need_count) AS need, sum(served_count) AS served
FROM rehab_services
WHERE region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND period BETWEEN make_date($year, 1, 1) AND $until
GROUP BY disability_type
ORDER BY disability_type
