-- alliance_outcomes: the children's rehab alliances (儿童康复联合体) founded by $until with a member in
-- the scope: members, founding date and, where every member lies in the scope (an alliance's figures
-- belong to all its members' places), its outcome of $year: children in training and moved on.
WITH members AS (
    SELECT a.alliance_id, a.name AS alliance_name, a.founded_on, i.institution_id, i.name AS member_name,
           i.region_code IN (SELECT region_code FROM scoped_regions($scope)) AS in_scope
    FROM alliances AS a
    JOIN institutions AS i USING (institution_id)
    WHERE a.founded_on <= $until
), alliance AS (
    SELECT alliance_id, min(alliance_name) AS name, min(founded_on) AS founded_on,
           list(member_name ORDER BY institution_id) AS members, bool_and(in_scope) AS whole
    FROM members
    GROUP BY alliance_id
    HAVING bool_or(in_scope)
)
SELECT a.alliance_id, a.name, a.founded_on, a.members, a.whole,
       o.in_training, o.to_kindergarten, o.to_primary
FROM alliance AS a
LEFT JOIN outcomes AS o ON o.unit_id = a.alliance_id AND o.year = $year AND a.whole
ORDER BY a.alliance_id
