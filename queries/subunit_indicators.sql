-- subunit_indicators: for each unit one level below the scope, each measure of indicator_facts and the
-- unit's annual target where one is set (targets are per district), from 1 January to $until.
WITH subunits AS (SELECT subunit_code, subunit_name FROM subunits($scope)),
actuals AS (
    SELECT c.ancestor_code AS subunit_code, f.measure, sum(f.value) AS value
    FROM indicator_facts($year, $until) AS f
    JOIN region_closure AS c ON c.region_code = f.region_code
    WHERE c.ancestor_code IN (SELECT subunit_code FROM subunits)
    GROUP BY c.ancestor_code, f.measure
), goals AS (
    SELECT c.ancestor_code AS subunit_code, t.indicator AS measure, sum(t.target_value) AS target
    FROM targets AS t
    JOIN region_closure AS c ON c.region_code = t.region_code
    WHERE c.ancestor_code IN (SELECT subunit_code FROM subunits) AND t.year = $year
    GROUP BY c.ancestor_code, t.indicator
)
SELECT u.subunit_code, u.subunit_name, m.measure, coalesce(a.value, 0) AS value, g.target
FROM subunits AS u
CROSS JOIN (SELECT DISTINCT measure FROM actuals UNION SELECT DISTINCT measure FROM goals) AS m
LEFT JOIN actuals AS a ON a.subunit_code = u.subunit_code AND a.measure = m.measure
LEFT JOIN goals AS g ON g.subunit_code = u.subunit_code AND g.measure = m.measure
ORDER BY u.subunit_code, m.measure
