-- regions: the administrative units within $scope, and their ancestors (so the selector can show the
-- path city → district → township); an ancestor outside the scope comes with its name only.
WITH inside AS (SELECT region_code FROM scoped_regions($scope))
SELECT region_code, name, level, parent_code, lon, lat,
       CASE WHEN region_code IN (SELECT region_code FROM inside) THEN registered_disabled END
           AS registered_disabled
FROM regions
WHERE region_code IN (SELECT region_code FROM inside)
   OR region_code IN (SELECT ancestor_code FROM region_closure WHERE list_contains($scope, region_code))
ORDER BY region_code
