-- funding_by_subunit: funds allocated and spent for the year by each unit one level below the scope
-- (the districts of a city, the townships of a district), with its registered disabled persons
-- (持证残疾人数, the unit's own total) and how many funding rows it holds; then one row with
-- own_level = true for the scope itself: the funds recorded at the scope's own level (e.g. 市本级),
-- which belong to no subunit. Spent is as of the snapshot date for the snapshot's own year.
WITH subunits AS (SELECT * FROM subunits($scope)),
funds AS (
    SELECT c.ancestor_code AS subunit_code, count(*) AS funding_rows,
           sum(f.allocated_yuan) AS allocated_yuan, sum(f.spent_yuan) AS spent_yuan
    FROM funding AS f
    JOIN region_closure AS c ON c.region_code = f.region_code
    WHERE c.ancestor_code IN (SELECT subunit_code FROM subunits) AND f.year = $year
    GROUP BY c.ancestor_code
)
SELECT u.subunit_code, u.subunit_name, u.registered_disabled, false AS own_level,
       coalesce(f.funding_rows, 0) AS funding_rows,
       coalesce(f.allocated_yuan, 0) AS allocated_yuan, coalesce(f.spent_yuan, 0) AS spent_yuan
FROM subunits AS u
LEFT JOIN funds AS f USING (subunit_code)
UNION ALL
SELECT r.region_code, r.name, r.registered_disabled, true,
       count(f.region_code), coalesce(sum(f.allocated_yuan), 0), coalesce(sum(f.spent_yuan), 0)
FROM regions AS r
LEFT JOIN funding AS f ON f.region_code = r.region_code AND f.year = $year
WHERE list_contains($scope, r.region_code)
GROUP BY r.region_code, r.name, r.registered_disabled
ORDER BY own_level, subunit_code
