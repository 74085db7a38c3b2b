-- site_tasks: where every construction task (建设任务) of the scope's facilities stands as of the
-- snapshot: its newest update, with the facility, its place, tier and status, and whether it is
-- overdue (deadline before $as_of and not in use) or due within $days days. Updates after $as_of are
-- not yet known then (a closed year's view stands at its 31 December).
WITH latest AS (
    SELECT * FROM site_tasks
    WHERE updated_on <= $as_of
    QUALIFY row_number() OVER (PARTITION BY facility_id ORDER BY updated_on DESC) = 1
)
SELECT t.facility_id, f.name AS facility_name, f.tier, f.status, f.planned_year,
       p.district_code, p.district_name, p.township_code, p.township_name,
       t.task, t.responsible_unit, t.responsible_person, t.started_on, t.deadline, t.stage, t.updated_on,
       t.stage <> 'in_use' AND t.deadline < $as_of AS overdue,
       t.stage <> 'in_use' AND t.deadline BETWEEN $as_of AND $as_of + to_days(CAST($days AS INTEGER)) AS due_soon,
       date_diff('day', t.deadline, $as_of) AS days_late
FROM latest AS t
JOIN facilities AS f USING (facility_id)
LEFT JOIN region_places AS p ON p.region_code = f.region_code
WHERE f.region_code IN (SELECT region_code FROM scoped_regions($scope))
ORDER BY t.deadline, t.facility_id
