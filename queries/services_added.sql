-- services_added: the capacity the scope's institutions added in $year: newly designated institutions,
-- centres built and rehab services added (新增服务).
SELECT s.institution_id, i.name, i.kind, p.district_name, s.service, s.year
FROM services_added AS s
JOIN institutions AS i USING (institution_id)
LEFT JOIN region_places AS p ON p.region_code = i.region_code
WHERE i.region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND s.year = $year
ORDER BY s.service, s.institution_id
