-- map_pairings: the pairings (结对) of designated rehab institutions with the townships of the scope,
-- with both ends' positions (institution site, township seat); the institution may lie outside the scope.
SELECT p.institution_id, i.name AS institution_name, i.kind, i.ownership,
       p.township_code, t.name AS township_name, p.since,
       i.lon AS institution_lon, i.lat AS institution_lat, t.lon AS township_lon, t.lat AS township_lat
FROM pairings AS p
JOIN institutions AS i USING (institution_id)
JOIN regions AS t ON t.region_code = p.township_code
WHERE p.township_code IN (SELECT region_code FROM scoped_regions($scope))
ORDER BY p.township_code, i.name
