-- funding_recorded_above: the units above the scope (its district, its city) that hold funding rows of
-- the year themselves, nearest first: where the money of a scope with no funding of its own is kept.
SELECT r.region_code, r.name, r.level, count(*) AS funding_rows
FROM region_closure AS c
JOIN regions AS r ON r.region_code = c.ancestor_code
JOIN funding AS f ON f.region_code = r.region_code AND f.year = $year
WHERE list_contains($scope, c.region_code) AND NOT list_contains($scope, c.ancestor_code)
GROUP BY r.region_code, r.name, r.level
ORDER BY CASE r.level WHEN 'township' THEN 1 WHEN 'district' THEN 2 WHEN 'city' THEN 3 ELSE 4 END
