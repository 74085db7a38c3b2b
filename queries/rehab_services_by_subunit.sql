-- rehab_services_by_subunit: need, served and registered disabled persons for each unit one level
-- below the scope (the districts of a city, the townships of a district), this year to the snapshot date.
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
)
SELECT u.subunit_code, u.subunit_name, coalesce(s.need, 0) AS need, coalesce(s.served, 0) AS served
FROM subunits AS u
LEFT JOIN services AS s USING (subunit_code)
ORDER BY u.subunit_code
