-- indicator_actuals: each measure of indicator_facts summed over the scope, from 1 January of the year
-- to $until (the snapshot date, or the year's end for a past year).
SELECT measure, sum(value) AS value
FROM indicator_facts($year, $until)
WHERE region_code IN (SELECT region_code FROM scoped_regions($scope))
GROUP BY measure
ORDER BY measure
