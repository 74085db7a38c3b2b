-- top_regions: the regions with no parent (the cities of the sample): what an account without a
-- regional restriction may see.
-- unscoped: the codes of the top of the region tree, no figure
SELECT region_code FROM regions WHERE parent_code IS NULL ORDER BY region_code
