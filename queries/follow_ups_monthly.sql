-- follow_ups_monthly: the scope's 双回访 month by month of $year up to $until, per kind (parents,
-- institution): calls planned, reached, satisfied, problems raised and solved so far.
SELECT f.period AS month, f.kind,
       sum(f.planned) AS planned, sum(f.reached) AS reached, sum(f.satisfied) AS satisfied,
       sum(f.problems_raised) AS problems_raised, sum(f.problems_solved) AS problems_solved
FROM follow_ups AS f
JOIN institutions AS i USING (institution_id)
WHERE i.region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND in_year_to(f.period, $year, $until)
GROUP BY f.period, f.kind
ORDER BY f.period, f.kind
