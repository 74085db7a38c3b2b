-- child_rehab_by_subunit: children's rehab assistance of each unit one level below the scope (every
-- unit, zero where none), from 1 January of $year to $until: the sibling set that disclosure control
-- of a township's figures is computed over (rehabdash.suppression.protect_townships).
WITH subunits AS (
    SELECT region_code AS subunit_code
    FROM regions
    WHERE list_contains($scope, parent_code)
)
SELECT u.subunit_code,
       coalesce(sum(r.applicants), 0) AS applicants,
       coalesce(sum(r.aided), 0) AS aided,
       coalesce(sum(r.early_intervention), 0) AS early_intervention
FROM subunits AS u
LEFT JOIN region_closure AS c ON c.ancestor_code = u.subunit_code
LEFT JOIN child_rehab AS r ON r.region_code = c.region_code
     AND r.period BETWEEN make_date($year, 1, 1) AND $until
GROUP BY u.subunit_code
ORDER BY u.subunit_code
