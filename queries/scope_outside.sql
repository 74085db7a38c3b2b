-- scope_outside: the region codes of $scope that are not within the account's $allowed regions (their
-- subtrees); empty when the request stays inside what the account may see.
SELECT s.code AS region_code
FROM unnest($scope) AS s(code)
WHERE NOT EXISTS (
    SELECT 1 FROM region_closure AS c
    WHERE c.region_code = s.code AND list_contains($allowed, c.ancestor_code)
)
