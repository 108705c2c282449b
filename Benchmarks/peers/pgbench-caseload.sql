\set u random(1, 256)
SELECT * FROM caseload((SELECT id FROM bench_users WHERE n = :u));
