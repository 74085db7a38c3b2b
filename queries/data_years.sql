-- data_years: the calendar years that have monthly service rows in the snapshot, newest first.
-- unscoped: years only, no figure of any region
SELECT DISTINCT year(period) AS year
FROM rehab_services
ORDER BY year DESC
