\set o random(1, 16)
SELECT invite((SELECT id FROM orgs WHERE n = :o), gen_random_uuid()::text || '@load.example', 'caseworker', sha256(gen_random_uuid()::text::bytea));
