-- institution_outcomes: the outcome of $year of each institution of the scope that reports one:
-- children in training, moved on to kindergarten and to primary school.
SELECT o.unit_id AS institution_id, i.name, p.district_name, o.in_training, o.to_kindergarten, o.to_primary
FROM outcomes AS o
JOIN institutions AS i ON i.institution_id = o.unit_id
LEFT JOIN region_places AS p ON p.region_code = i.region_code
WHERE i.region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND o.year = $year
ORDER BY o.unit_id
