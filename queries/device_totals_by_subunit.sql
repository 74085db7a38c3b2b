-- device_totals_by_subunit: assistive-device need, persons fitted and the annual task (devices_fitted)
-- of each unit one level below the scope, this year to the snapshot date. Targets are set per district,
-- so townships have none (NULL).
WITH subunits AS (SELECT subunit_code, subunit_name FROM subunits($scope)),
devices AS (
    SELECT c.ancestor_code AS subunit_code, sum(d.need_count) AS need, sum(d.fitted_count) AS fitted
    FROM assistive_devices AS d
    JOIN region_closure AS c ON c.region_code = d.region_code
    WHERE c.ancestor_code IN (SELECT subunit_code FROM subunits)
      AND in_year_to(d.period, $year, $until)
    GROUP BY c.ancestor_code
), tasks AS (
    SELECT c.ancestor_code AS subunit_code, sum(t.target_value) AS target
    FROM targets AS t
    JOIN region_closure AS c ON c.region_code = t.region_code
    WHERE c.ancestor_code IN (SELECT subunit_code FROM subunits)
      AND t.year = $year AND t.indicator = 'devices_fitted'
    GROUP BY c.ancestor_code
)
SELECT u.subunit_code, u.subunit_name, coalesce(d.need, 0) AS need, coalesce(d.fitted, 0) AS fitted,
       k.target
FROM subunits AS u
LEFT JOIN devices AS d USING (subunit_code)
LEFT JOIN tasks AS k USING (subunit_code)
ORDER BY u.subunit_code
