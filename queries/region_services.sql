-- region_services: need and served (精准康复) in one region of the scope and everything below it, this
-- year up to $until; nothing when $region lies outside the scope.
SELECT coalesce(sum(need_count), 0) AS need, coalesce(sum(served_count), 0) AS served
FROM rehab_services
WHERE region_code IN (SELECT region_code FROM scoped_regions([$region]))
  AND $region IN (SELECT region_code FROM scoped_regions($scope))
  AND in_year_to(period, $year, $until)
