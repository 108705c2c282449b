\set o random(1, 16)
SELECT count(invite(o.id, gen_random_uuid()::text || '@load.example', 'caseworker', sha256(gen_random_uuid()::text::bytea))) FROM orgs o, generate_series(1, 1000) WHERE o.n = :o;
