-- snapshot_changes: one table ($table) of two snapshots (run with db.run_pair), counted per place (the
-- code in column $place: a region, township, station or facility): its rows before and after, and the
-- rows added, removed and changed (the same key, columns $keys, with other values). Rows compare as
-- text, so a value stored as Int64 in one snapshot and int64 in the other is the same value.
-- unscoped: the library keeps the places within an account's regions (ingest.history.compare)
WITH old AS (
    SELECT hash(*COLUMNS($keys)) AS row_key, hash(*COLUMNS(*)) AS row_value, COLUMNS($place) AS place
    FROM (SELECT COLUMNS(*)::VARCHAR FROM query_table('older.' || $table))
), new AS (
    SELECT hash(*COLUMNS($keys)) AS row_key, hash(*COLUMNS(*)) AS row_value, COLUMNS($place) AS place
    FROM (SELECT COLUMNS(*)::VARCHAR FROM query_table('newer.' || $table))
), matched AS (
    SELECT old.place AS old_place, new.place AS new_place, old.row_key IS NOT NULL AS was_there,
           new.row_key IS NOT NULL AS is_there, old.row_value IS DISTINCT FROM new.row_value AS differs
    FROM old FULL JOIN new ON old.row_key = new.row_key
)
-- A removed row counts where it was, an added or changed one where it is now.
SELECT place, sum(rows_before)::BIGINT AS rows_before, sum(rows_after)::BIGINT AS rows_after,
       sum(added)::BIGINT AS added, sum(removed)::BIGINT AS removed, sum(changed)::BIGINT AS changed
FROM (
    SELECT old_place AS place, count(*) AS rows_before, 0 AS rows_after, 0 AS added,
           count(*) FILTER (WHERE NOT is_there) AS removed, 0 AS changed
    FROM matched WHERE was_there GROUP BY old_place
    UNION ALL
    SELECT new_place, 0, count(*), count(*) FILTER (WHERE NOT was_there), 0,
           count(*) FILTER (WHERE was_there AND differs)
    FROM matched WHERE is_there GROUP BY new_place
)
GROUP BY place
