-- Run once per connection. region_closure pairs every region with itself and each of its ancestors,
-- so "the scope and everything below it" is one join whatever the depth of the tree.
CREATE TABLE region_closure AS
WITH RECURSIVE up(region_code, ancestor_code) AS (
    SELECT region_code, region_code FROM regions
    UNION ALL
    SELECT up.region_code, r.parent_code
    FROM up JOIN regions AS r ON r.region_code = up.ancestor_code
    WHERE r.parent_code IS NOT NULL
)
SELECT DISTINCT region_code, ancestor_code FROM up;

CREATE MACRO scoped_regions(scope) AS TABLE
    SELECT DISTINCT region_code FROM region_closure WHERE list_contains(scope, ancestor_code);
