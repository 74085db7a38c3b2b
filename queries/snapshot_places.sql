-- snapshot_places: where the rows of two snapshots lie (run with db.run_pair): every region with its
-- name, parent and level, every device station, facility and designated institution with its region
-- (kind 'region', 'station', 'facility', 'institution'; an alliance's id with its first member's
-- region); where both snapshots hold a code, the newer snapshot's entry.
-- unscoped: the region tree and the places of stations and facilities, no figure of any region
WITH places AS (
    SELECT 'region' AS kind, region_code AS code, region_code, name, parent_code, level, 1 AS rank
    FROM newer.regions
    UNION ALL
    SELECT 'region', region_code, region_code, name, parent_code, level, 2 FROM older.regions
    UNION ALL
    SELECT 'station', station_id, region_code, NULL, NULL, NULL, 1 FROM newer.device_stations
    UNION ALL
    SELECT 'station', station_id, region_code, NULL, NULL, NULL, 2 FROM older.device_stations
    UNION ALL
    SELECT 'facility', facility_id, region_code, NULL, NULL, NULL, 1 FROM newer.facilities
    UNION ALL
    SELECT 'facility', facility_id, region_code, NULL, NULL, NULL, 2 FROM older.facilities
    UNION ALL
    SELECT 'institution', institution_id, region_code, NULL, NULL, NULL, 1 FROM newer.institutions
    UNION ALL
    SELECT 'institution', institution_id, region_code, NULL, NULL, NULL, 2 FROM older.institutions
    UNION ALL  -- an alliance lies where its first member does
    SELECT 'institution', a.alliance_id, min(i.region_code), NULL, NULL, NULL, 1
    FROM newer.alliances AS a JOIN newer.institutions AS i USING (institution_id) GROUP BY a.alliance_id
    UNION ALL
    SELECT 'institution', a.alliance_id, min(i.region_code), NULL, NULL, NULL, 2
    FROM older.alliances AS a JOIN older.institutions AS i USING (institution_id) GROUP BY a.alliance_id
)
SELECT kind, code, region_code, name, parent_code, level
FROM places
QUALIFY row_number() OVER (PARTITION BY kind, code ORDER BY rank) = 1
