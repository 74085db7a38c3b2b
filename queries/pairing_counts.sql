-- pairing_counts: designated rehab institutions (定点康复机构) located in the scope, how many of them
-- are paired (结对共建) with a township, and how many townships of the scope have a partner.
WITH scoped AS (SELECT region_code FROM scoped_regions($scope)),
     local_institutions AS (
         SELECT institution_id FROM institutions WHERE region_code IN (SELECT region_code FROM scoped)
     )
SELECT (SELECT count(*) FROM local_institutions) AS institutions,
       (SELECT count(DISTINCT institution_id) FROM pairings
         WHERE institution_id IN (SELECT institution_id FROM local_institutions)) AS paired_institutions,
       (SELECT count(DISTINCT township_code) FROM pairings
         WHERE township_code IN (SELECT region_code FROM scoped)) AS paired_townships
