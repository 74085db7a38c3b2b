-- report_progress: every township of the scope (the units that report monthly figures, 报送) with the
-- newest month it has reported any table for, and its report of $month: when it first reported (local
-- time, ISO 8601), as which account, which tables, and whether any of them was a correction.
WITH units AS (
    SELECT t.region_code, t.name, t.parent_code
    FROM regions AS t
    WHERE t.level = 'township' AND t.region_code IN (SELECT region_code FROM scoped_regions($scope))
),
latest AS (
    SELECT region_code, max(month) AS latest_month FROM reports GROUP BY region_code
),
this_month AS (
    SELECT region_code, min(reported_at) AS reported_at, arg_min(account, reported_at) AS account,
           string_agg(DISTINCT table_name, ',' ORDER BY table_name) AS tables, bool_or(correction) AS correction
    FROM reports
    WHERE month = CAST($month AS DATE)
    GROUP BY region_code
)
SELECT u.region_code AS unit_code, u.name AS unit_name, d.name AS district_name, l.latest_month,
       m.reported_at, m.account, m.tables, coalesce(m.correction, false) AS correction
FROM units AS u
LEFT JOIN regions AS d ON d.region_code = u.parent_code
LEFT JOIN latest AS l ON l.region_code = u.region_code
LEFT JOIN this_month AS m ON m.region_code = u.region_code
ORDER BY u.region_code
