-- site_task_history: every update of one facility's construction task, oldest first (the card's
-- task history); the facility must lie in the scope.
SELECT t.updated_on, t.stage, t.task, t.responsible_unit, t.responsible_person, t.started_on, t.deadline
FROM site_tasks AS t
JOIN facilities AS f USING (facility_id)
WHERE t.facility_id = $facility_id
  AND f.region_code IN (SELECT region_code FROM scoped_regions($scope))
ORDER BY t.updated_on
