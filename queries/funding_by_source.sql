-- funding_by_source: funds allocated and spent in the scope for the year, by source and programme.
SELECT source, program, sum(allocated_yuan) AS allocated_yuan, sum(spent_yuan) AS spent_yuan
FROM funding
WHERE region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND year = $year
GROUP BY source, program
ORDER BY source, program
