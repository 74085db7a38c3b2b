-- institution_follow_ups: the 双回访 of each institution of the scope from January of $year to $until:
-- calls planned, reached and satisfied (parents and institution together) and the problems raised and
-- solved so far.
SELECT f.institution_id,
       sum(f.planned) AS planned, sum(f.reached) AS reached, sum(f.satisfied) AS satisfied,
       sum(f.problems_raised) AS problems_raised, sum(f.problems_solved) AS problems_solved,
       count(DISTINCT f.period) AS months
FROM follow_ups AS f
JOIN institutions AS i USING (institution_id)
WHERE i.region_code IN (SELECT region_code FROM scoped_regions($scope))
  AND in_year_to(f.period, $year, $until)
GROUP BY f.institution_id
ORDER BY f.institution_id
