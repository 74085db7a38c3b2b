-- facility_counts_until: facilities of the three-tier network in the scope by tier and status as they
-- stood on $until (facilities_on: the year's end for a past year, one built later counted as planned).
SELECT tier, status, count(*) AS facilities
FROM facilities_on($until)
WHERE region_code IN (SELECT region_code FROM scoped_regions($scope))
GROUP BY ALL
ORDER BY tier, status
