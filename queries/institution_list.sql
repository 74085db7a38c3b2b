-- institution_list: the designated institutions (定点康复机构) of the scope that the federation keeps
-- an eye on for children: those serving children, or with follow-ups (双回访) or assessments (考核),
-- with their district.
SELECT i.institution_id, i.name, i.kind, i.ownership, i.region_code, p.district_name, p.township_name
FROM institutions AS i
LEFT JOIN region_places AS p ON p.region_code = i.region_code
WHERE i.region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND (i.serves_children
       OR i.institution_id IN (SELECT institution_id FROM follow_ups)
       OR i.institution_id IN (SELECT institution_id FROM assessments))
ORDER BY i.institution_id
