-- _pair_setup: run once on a comparison's connection (db.pair_connection), which holds two snapshots'
-- tables as older.<table> and newer.<table>. Not a named result.

-- places_of('newer' | 'older'): where the rows of one side lie: every region with its name, parent and
-- level, every device station, facility and designated institution with its region, and an
-- alliance's id with its first member's region.
CREATE MACRO places_of(side) AS TABLE
    SELECT 'region' AS kind, region_code AS code, region_code, name, parent_code, level
    FROM query_table(side || '.regions')
    UNION ALL
    SELECT 'station', station_id, region_code, NULL, NULL, NULL FROM query_table(side || '.device_stations')
    UNION ALL
    SELECT 'facility', facility_id, region_code, NULL, NULL, NULL FROM query_table(side || '.facilities')
    UNION ALL
    SELECT 'institution', institution_id, region_code, NULL, NULL, NULL FROM query_table(side || '.institutions')
    UNION ALL
    SELECT 'institution', a.alliance_id, min(i.region_code), NULL, NULL, NULL
    FROM query_table(side || '.alliances') AS a JOIN query_table(side || '.institutions') AS i USING (institution_id)
    GROUP BY a.alliance_id;
