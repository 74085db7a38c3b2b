-- institution_counts: designated rehab institutions located in the scope by kind and ownership.
SELECT kind, ownership, count(*) AS institutions, count(*) FILTER (WHERE serves_children) AS serving_children
FROM institutions
WHERE region_code IN (SELECT region_code FROM scoped_regions($scope))
GROUP BY kind, ownership
ORDER BY kind, ownership
