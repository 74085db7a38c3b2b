-- facility_status_until: each facility of the scope with its status as it stood on $until
-- (facilities_on: one built later was still planned then), for the map of a past year's year end.
SELECT facility_id, status
FROM facilities_on($until)
WHERE region_code IN (SELECT region_code FROM scoped_regions($scope))
