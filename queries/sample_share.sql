-- unscoped: one share for the whole snapshot (how much of it is still sample data), naming no region.
-- sample_share: of the months units have reported, the share whose newest report is the sample's.
WITH newest AS (
    SELECT arg_max(account, reported_at) AS account
    FROM reports
    GROUP BY region_code, table_name, month
)
SELECT count(*) AS reports, count(*) FILTER (WHERE account = 'sample') AS sample_reports FROM newest
