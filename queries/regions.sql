-- regions: every administrative unit of the snapshot, for the scope selector (city → district → township).
SELECT region_code, name, level, parent_code, lon, lat, registered_disabled
FROM regions
ORDER BY region_code
