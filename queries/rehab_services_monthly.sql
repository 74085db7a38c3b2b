-- rehab_services_monthly: need and served (精准康复) in the scope per month, from 1 January of the
-- previous year up to the snapshot date (last year whole, this year so far), one row per year and month.
SELECT year(period) AS year, month(period) AS month, sum(need_count) AS need, sum(served_count) AS served
FROM rehab_services
WHERE region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND period BETWEEN make_date($year - 1, 1, 1) AND $until
GROUP BY ALL
ORDER BY year, month
