-- reports: every report (报送) of the scope's units, newest first: which unit reported which table for
-- which month, when, as which account, and the reason of a correction (补报/更正).
SELECT r.region_code, g.name AS unit_name, r.table_name, r.month, r.reported_at, r.account, r.correction,
       r.reason
FROM reports AS r
JOIN regions AS g USING (region_code)
WHERE r.region_code IN (SELECT region_code FROM scoped_regions($scope))
ORDER BY r.reported_at DESC, r.region_code, r.table_name
