-- target_totals: the annual task (年度任务) of each indicator in the scope for the year; targets are set
-- per district, so a city's target is the sum over its districts.
SELECT indicator, sum(target_value) AS target_value
FROM targets
WHERE region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND year = $year
GROUP BY indicator
ORDER BY indicator
