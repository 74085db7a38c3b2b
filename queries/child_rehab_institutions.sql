-- child_rehab_institutions: designated institutions (定点康复机构) serving children that either stand in
-- the scope or took children of the scope this year up to the snapshot date, with those children and
-- the funds spent on them; an institution may stand outside the scope that sends it children.
WITH load AS (
    SELECT institution_id, sum(aided) AS aided, sum(funds_yuan) AS funds_yuan
    FROM child_rehab
    WHERE region_code IN (SELECT region_code FROM scoped_regions($scope))
      AND in_year_to(period, $year, $until)
    GROUP BY institution_id
), district_of AS (
    SELECT c.region_code, d.name AS district_name
    FROM region_closure AS c
    JOIN regions AS d ON d.region_code = c.ancestor_code AND d.level = 'district'
)
SELECT i.institution_id, i.name, i.kind, i.ownership, i.region_code, w.district_name,
       i.lon, i.lat, coalesce(l.aided, 0) AS aided, coalesce(l.funds_yuan, 0) AS funds_yuan
FROM institutions AS i
LEFT JOIN load AS l USING (institution_id)
LEFT JOIN district_of AS w ON w.region_code = i.region_code
WHERE l.institution_id IS NOT NULL
   OR (i.serves_children AND i.region_code IN (SELECT region_code FROM scoped_regions($scope)))
ORDER BY aided DESC, i.institution_id
