-- activity_totals: counts of each activity kind (走访, 白内障手术, 弱视救助 …) in the scope, this year up
-- to the snapshot date and last year up to the same day, one row per year and kind.
SELECT year(period) AS year, kind, sum("count") AS count
FROM activities
WHERE region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND this_and_last_year(period, $year, $until, $until_last_year)
GROUP BY year, kind
ORDER BY year, kind
