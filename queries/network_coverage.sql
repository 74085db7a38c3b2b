-- network_coverage: townships and villages in the scope, and how many of them have a built station or
-- room by $until (coverage of the three-tier network).
WITH scoped AS (SELECT region_code FROM scoped_regions($scope)),
     built AS (
         SELECT DISTINCT region_code, tier FROM facilities
         WHERE status = 'built' AND opened_on <= $until
           AND tier IN ('township_station', 'village_room')
     )
SELECT r.level, count(*) AS units,
       count(*) FILTER (WHERE b.region_code IS NOT NULL) AS units_with_built_facility
FROM regions AS r
LEFT JOIN built AS b
       ON b.region_code = r.region_code
      AND b.tier = CASE r.level WHEN 'township' THEN 'township_station' ELSE 'village_room' END
WHERE r.region_code IN (SELECT region_code FROM scoped) AND r.level IN ('township', 'village')
GROUP BY r.level
ORDER BY r.level
