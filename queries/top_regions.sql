-- top_regions: the regions with no parent (the cities of the sample): what an account without a
-- regional restriction may see.
SELECT region_code FROM regions WHERE parent_code IS NULL ORDER BY region_code
