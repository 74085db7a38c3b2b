-- facility_counts: facilities of the three-tier network in the scope by tier, status and host type,
-- as of the snapshot.
SELECT tier, status, host_type, count(*) AS facilities
FROM facilities
WHERE region_code IN (SELECT region_code FROM scoped_regions($scope))
GROUP BY tier, status, host_type
ORDER BY tier, status, host_type
