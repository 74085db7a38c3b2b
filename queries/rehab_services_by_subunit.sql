-- rehab_services_by_subunit: need, served (精准康复) and the annual task (precise_rehab_served) of each
-- unit one level below the scope, this year to the snapshot date (townships have no task).
SELECT subunit_code, subunit_name, need, done AS served, target
FROM subunit_progress($scope, $year, $until, 'precise_rehab_served', 'precise_rehab_need')
