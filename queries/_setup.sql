-- Run once per connection. region_closure pairs every region with itself and each of its ancestors,
-- so "the scope and everything below it" is one join whatever the depth of the tree.
CREATE TABLE region_closure AS
WITH RECURSIVE up(region_code, ancestor_code) AS (
    SELECT region_code, region_code FROM regions
    UNION ALL
    SELECT up.region_code, r.parent_code
    FROM up JOIN regions AS r ON r.region_code = up.ancestor_code
    WHERE r.parent_code IS NOT NULL
)
SELECT DISTINCT region_code, ancestor_code FROM up;

CREATE MACRO scoped_regions(scope) AS TABLE
    SELECT DISTINCT region_code FROM region_closure WHERE list_contains(scope, ancestor_code);

-- rows_in_scope(tbl, scope): the rows of the table named `tbl` whose region lies in the scope.
CREATE MACRO rows_in_scope(tbl, scope) AS TABLE
    SELECT * FROM query_table(tbl) WHERE region_code IN (SELECT region_code FROM scoped_regions(scope));

-- subunits(scope): the units one level below the scope (the districts of a city, the townships of a
-- district), the rows of every ranking and comparison.
CREATE MACRO subunits(scope) AS TABLE
    SELECT region_code AS subunit_code, name AS subunit_name, registered_disabled
    FROM regions
    WHERE list_contains(scope, parent_code);

-- region_places: for every region, the district and township it lies in (NULL above that level), so a
-- row of any table names its place with one join.
CREATE TABLE region_places AS
SELECT c.region_code,
       max(r.region_code) FILTER (WHERE r.level = 'district') AS district_code,
       max(r.name) FILTER (WHERE r.level = 'district') AS district_name,
       max(r.region_code) FILTER (WHERE r.level = 'township') AS township_code,
       max(r.name) FILTER (WHERE r.level = 'township') AS township_name
FROM region_closure AS c
JOIN regions AS r ON r.region_code = c.ancestor_code
GROUP BY c.region_code;

-- facilities_on(day): the facilities as they stood on `day` (a past year's year end): one built after
-- it was still planned then (近期规划建设), so a past year shows its own state, not today's.
CREATE MACRO facilities_on(day) AS TABLE
    SELECT * REPLACE (CASE WHEN status = 'built' AND opened_on > day THEN 'planned_near' ELSE status END
                      AS status)
    FROM facilities;

-- loans_lent_in(scope, lent_year): the device loans lent during `lent_year` at the service points in the
-- scope, with the station's region. A request refused for low credit lent nothing: not a loan.
CREATE MACRO loans_lent_in(scope, lent_year) AS TABLE
    SELECT l.*, s.region_code
    FROM device_loans AS l
    JOIN device_stations AS s USING (station_id)
    WHERE s.region_code IN (SELECT region_code FROM scoped_regions(scope))
      AND year(l.lent_on) = lent_year
      AND l.loan_status IS DISTINCT FROM 'refused';

-- loan_outcome(returned, due, status, day): THE rule of what a loan is on `day`, each loan exactly one of
-- 'returned' (back by then), 'lost' (recorded lost: counted from its due date, as the credit rule in
-- kernel/credit.py counts a loss), 'overdue' (逾期未还: out past its due date, not lost) or 'in_term'.
-- A lost device is not "still out and overdue": the devices page shows it apart.
CREATE MACRO loan_outcome(returned, due, status, day) AS
    CASE WHEN returned <= day THEN 'returned'
         WHEN due < day AND status = 'lost' THEN 'lost'
         WHEN due < day THEN 'overdue'
         ELSE 'in_term' END;

-- in_year_to(day, year, until): the day lies between 1 January of `year` and `until`.
CREATE MACRO in_year_to(day, year, until) AS day BETWEEN make_date(year, 1, 1) AND until;

-- this_and_last_year(day, year, until, until_last_year): the day lies in this year to `until` or in
-- last year to the same day (`until_last_year`): the window of every year-on-year comparison.
CREATE MACRO this_and_last_year(day, year, until, until_last_year) AS
    in_year_to(day, year, until) OR in_year_to(day, year - 1, until_last_year);

-- indicator_facts(year, until): every fact that an annual task (年度任务) or a rate is measured on, as
-- (region_code, measure, value) rows from 1 January of `year` up to `until`. The target-bearing measures
-- are named like targets.indicator; the others are the denominators of the rates. Facilities count when
-- built by `until`.
CREATE MACRO indicator_facts(year, until) AS TABLE
    SELECT region_code, 'precise_rehab_served' AS measure, served_count AS value FROM rehab_services
    WHERE in_year_to(period, year, until)
    UNION ALL
    SELECT region_code, 'precise_rehab_need', need_count FROM rehab_services
    WHERE in_year_to(period, year, until)
    UNION ALL
    SELECT region_code, 'devices_fitted', fitted_count FROM assistive_devices
    WHERE in_year_to(period, year, until)
    UNION ALL
    SELECT region_code, 'devices_need', need_count FROM assistive_devices
    WHERE in_year_to(period, year, until)
    UNION ALL
    SELECT region_code, 'children_aided', aided FROM child_rehab
    WHERE in_year_to(period, year, until)
    UNION ALL
    SELECT region_code, 'children_applicants', applicants FROM child_rehab
    WHERE in_year_to(period, year, until)
    UNION ALL
    SELECT region_code, 'cataract_surgery', "count" FROM activities
    WHERE kind = 'cataract_surgery' AND in_year_to(period, year, until)
    UNION ALL
    SELECT region_code, tier || 's_built', 1 FROM facilities
    WHERE tier IN ('township_station', 'village_room') AND status = 'built' AND opened_on <= until;

-- subunit_progress(scope, year, until, done, need): for each unit one level below the scope, the
-- measure `done` (a target-bearing indicator_facts measure such as 'devices_fitted'), its base `need`
-- and the annual task set for `done`, from 1 January of `year` up to `until`. Targets are set per
-- district, so townships have none (NULL).
CREATE MACRO subunit_progress(scope, year, until, done, need) AS TABLE
    WITH units AS (SELECT subunit_code, subunit_name FROM subunits(scope)),
    facts AS (
        SELECT c.ancestor_code AS subunit_code,
               sum(f.value) FILTER (WHERE f.measure = need) AS need,
               sum(f.value) FILTER (WHERE f.measure = done) AS done
        FROM indicator_facts(year, until) AS f
        JOIN region_closure AS c ON c.region_code = f.region_code
        WHERE c.ancestor_code IN (SELECT subunit_code FROM units) AND f.measure IN (need, done)
        GROUP BY c.ancestor_code
    ), tasks AS (
        SELECT c.ancestor_code AS subunit_code, sum(t.target_value) AS target
        FROM targets AS t
        JOIN region_closure AS c ON c.region_code = t.region_code
        WHERE c.ancestor_code IN (SELECT subunit_code FROM units) AND t.year = year AND t.indicator = done
        GROUP BY c.ancestor_code
    )
    SELECT u.subunit_code, u.subunit_name, coalesce(f.need, 0) AS need, coalesce(f.done, 0) AS done, k.target
    FROM units AS u
    LEFT JOIN facts AS f USING (subunit_code)
    LEFT JOIN tasks AS k USING (subunit_code)
    ORDER BY u.subunit_code;
