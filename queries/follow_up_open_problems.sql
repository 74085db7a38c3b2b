-- follow_up_open_problems: the follow-up problems of the scope's institutions still unsolved: one row
-- per institution and month raised (up to $until, any year: a problem stays open until solved).
SELECT f.institution_id, i.name, p.district_name, f.period AS month,
       sum(f.problems_raised - f.problems_solved) AS open_problems
FROM follow_ups AS f
JOIN institutions AS i USING (institution_id)
LEFT JOIN region_places AS p ON p.region_code = i.region_code
WHERE i.region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND f.period <= $until
GROUP BY f.institution_id, i.name, p.district_name, f.period
HAVING sum(f.problems_raised - f.problems_solved) > 0
ORDER BY f.period, f.institution_id
