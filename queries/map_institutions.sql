-- map_institutions: designated rehab institutions (定点康复机构) located in the scope or paired with one of
-- its townships; `in_scope` says which.
WITH scoped AS (SELECT region_code FROM scoped_regions($scope))
SELECT institution_id, name, kind, ownership, region_code, lon, lat, serves_children,
       region_code IN (SELECT region_code FROM scoped) AS in_scope
FROM institutions
WHERE region_code IN (SELECT region_code FROM scoped)
   OR institution_id IN (SELECT institution_id FROM pairings
                         WHERE township_code IN (SELECT region_code FROM scoped))
ORDER BY institution_id
