-- data_years: the calendar years that have monthly service rows in the snapshot, newest first.
SELECT DISTINCT year(period) AS year
FROM rehab_services
ORDER BY year DESC
