-- snapshot_places: where the rows of two snapshots lie (run with db.run_pair; places_of in
-- _pair_setup.sql): regions with name, parent and level, and device stations, facilities and
-- designated institutions with their region (kind 'region', 'station', 'facility', 'institution');
-- where both snapshots hold a code, the newer snapshot's entry.
-- unscoped: the region tree and the places of stations, facilities and institutions, no figure of any region
WITH places AS (
    SELECT *, 1 AS rank FROM places_of('newer')
    UNION ALL
    SELECT *, 2 FROM places_of('older')
)
SELECT kind, code, region_code, name, parent_code, level
FROM places
QUALIFY row_number() OVER (PARTITION BY kind, code ORDER BY rank) = 1
