-- activity_districts: where each activity kind took place this year up to the snapshot date: its count
-- per district (区县) in the scope, for naming the districts of a project or pilot (九原区 …).
SELECT a.kind, d.region_code AS district_code, d.name AS district_name, sum(a."count") AS count
FROM activities AS a
JOIN region_closure AS c ON c.region_code = a.region_code
JOIN regions AS d ON d.region_code = c.ancestor_code AND d.level = 'district'
WHERE a.region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND a.period BETWEEN make_date($year, 1, 1) AND $until
GROUP BY ALL
HAVING sum(a."count") > 0
ORDER BY a.kind, d.region_code
