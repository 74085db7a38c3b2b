-- facility_counts_until: facilities of the three-tier network in the scope by tier and status as they
-- stood on $until (the year's end for a past year): a facility built after $until still counted as
-- planned (近期规划建设) then, so a past year shows its own year-end state, not today's.
SELECT tier,
       CASE WHEN status = 'built' AND opened_on > $until THEN 'planned_near'
            ELSE status END AS status,
       count(*) AS facilities
FROM facilities
WHERE region_code IN (SELECT region_code FROM scoped_regions($scope))
GROUP BY ALL
ORDER BY tier, status
