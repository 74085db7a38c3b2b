-- program_rows: the yearly projects and training (programs) of the scope for the year and the year
-- before, each with the name of the unit that reports it (a district, or the city for city-level work).
SELECT p.year, p.region_code, r.name AS region_name, r.level, p.kind, p.measure, p."count"
FROM programs AS p
JOIN regions AS r USING (region_code)
WHERE p.region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND p.year BETWEEN $year - 1 AND $year
ORDER BY p.year, p.kind, p.region_code, p.measure
