-- snapshot_rows: how many rows of one table ($table) of the snapshot lie within $scope, each placed by
-- the code in its column $place: a region or township itself; a facility, device station or designated
-- institution by its region; an alliance (an outcome's unit_id) by its members' regions, all of which
-- must lie within (as ingest.scope_rules.rows_within has it).
WITH rows AS (SELECT COLUMNS($place) AS place FROM query_table($table)),
inside AS (SELECT region_code FROM scoped_regions($scope)),
places AS (
    SELECT facility_id AS code, region_code FROM facilities WHERE $place = 'facility_id'
    UNION ALL
    SELECT station_id, region_code FROM device_stations WHERE $place = 'station_id'
    UNION ALL
    SELECT institution_id, region_code FROM institutions WHERE $place IN ('institution_id', 'unit_id')
    UNION ALL
    SELECT a.alliance_id, i.region_code
    FROM alliances AS a JOIN institutions AS i USING (institution_id) WHERE $place = 'unit_id'
),
within AS (
    SELECT p.code FROM places AS p LEFT JOIN inside AS n USING (region_code)
    GROUP BY p.code HAVING bool_and(n.region_code IS NOT NULL)
)
SELECT count(*) AS rows
FROM rows
WHERE CASE WHEN $place IN ('region_code', 'township_code') THEN place IN (SELECT region_code FROM inside)
           ELSE place IN (SELECT code FROM within) END
