-- device_totals: assistive-device need and persons fitted (辅具适配) in the scope, this year up to the
-- snapshot date and last year up to the same day, one row per year.
SELECT year(period) AS year, sum(need_count) AS need, sum(fitted_count) AS fitted
FROM rows_in_scope('assistive_devices', $scope)
WHERE this_and_last_year(period, $year, $until, $until_last_year)
GROUP BY year
ORDER BY year
