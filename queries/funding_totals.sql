-- funding_totals: funds allocated and spent (资金投入) in the scope for the year; spent is as of the
-- snapshot date for the snapshot's own year.
SELECT coalesce(sum(allocated_yuan), 0) AS allocated_yuan, coalesce(sum(spent_yuan), 0) AS spent_yuan
FROM funding
WHERE region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND year = $year
