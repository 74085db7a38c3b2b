-- township_coverage: each township of the scope with its villages, how many of them have a built rehab
-- room (村级康复室) as of the snapshot, and the institutions paired (结对) with it.
WITH scoped AS (SELECT region_code FROM scoped_regions($scope)),
     villages AS (
         SELECT v.parent_code AS township_code, count(*) AS villages,
                count(*) FILTER (WHERE v.region_code IN (
                    SELECT region_code FROM facilities WHERE tier = 'village_room' AND status = 'built'
                )) AS villages_with_room
         FROM regions AS v
         WHERE v.level = 'village'
         GROUP BY v.parent_code
     ),
     partners AS (
         SELECT p.township_code, list(i.name ORDER BY i.name) AS paired_institutions
         FROM pairings AS p JOIN institutions AS i USING (institution_id)
         GROUP BY p.township_code
     )
SELECT t.region_code AS township_code, t.name AS township_name, d.name AS district_name,
       coalesce(v.villages, 0) AS villages, coalesce(v.villages_with_room, 0) AS villages_with_room,
       coalesce(p.paired_institutions, []) AS paired_institutions
FROM regions AS t
JOIN regions AS d ON d.region_code = t.parent_code
LEFT JOIN villages AS v ON v.township_code = t.region_code
LEFT JOIN partners AS p ON p.township_code = t.region_code
WHERE t.level = 'township' AND t.region_code IN (SELECT region_code FROM scoped)
ORDER BY t.region_code
