-- map_regions: the districts and townships of the scope (the scope's own unit included), with their
-- seats, for the map's boundaries and pairing lines.
SELECT region_code, name, level, parent_code, lon, lat
FROM regions
WHERE region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND level IN ('district', 'township')
ORDER BY region_code
