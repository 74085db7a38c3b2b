-- device_totals_by_subunit: assistive-device need, persons fitted and the annual task (devices_fitted)
-- of each unit one level below the scope, this year to the snapshot date (townships have no task).
SELECT subunit_code, subunit_name, need, done AS fitted, target
FROM subunit_progress($scope, $year, $until, 'devices_fitted', 'devices_need')
