-- rehab_services_by_subunit: need, served (精准康复) and the annual task (precise_rehab_served) of each
-- unit one level below the scope, this year to the snapshot date. Targets are set per district, so
-- townships have none (NULL).
WITH subunits AS (
    SELECT region_code AS subunit_code, name AS subunit_name
    FROM regions
    WHERE list_contains($scope, parent_code)
), services AS (
    SELECT c.ancestor_code AS subunit_code, sum(s.need_count) AS need, sum(s.served_count) AS served
    FROM rehab_services AS s
    JOIN region_closure AS c ON c.region_code = s.region_code
    WHERE c.ancestor_code IN (SELECT subunit_code FROM subunits)
      AND s.period BETWEEN make_date($year, 1, 1) AND $until
    GROUP BY c.ancestor_code
), tasks AS (
    SELECT c.ancestor_code AS subunit_code, sum(t.target_value) AS target
    FROM targets AS t
    JOIN region_closure AS c ON c.region_code = t.region_code
    WHERE c.ancestor_code IN (SELECT subunit_code FROM subunits)
      AND t.year = $year AND t.indicator = 'precise_rehab_served'
    GROUP BY c.ancestor_code
)
SELECT u.subunit_code, u.subunit_name, coalesce(s.need, 0) AS need, coalesce(s.served, 0) AS served,
       k.target
FROM subunits AS u
LEFT JOIN services AS s USING (subunit_code)
LEFT JOIN tasks AS k USING (subunit_code)
ORDER BY u.subunit_code
