-- institution_assessments: every assessment (年中, 年末 and 抽查 考核) of the scope's institutions made
-- by $until, oldest first, with the institution's name and district.
SELECT a.institution_id, i.name, p.district_name, a.year, a.round, a.assessed_on, a.score, a.grade,
       a.findings, a.findings_fixed, a.fixed_on
FROM assessments AS a
JOIN institutions AS i USING (institution_id)
LEFT JOIN region_places AS p ON p.region_code = i.region_code
WHERE i.region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND a.assessed_on <= $until
ORDER BY a.assessed_on, a.institution_id, a.round
