\set t random(1, 512)
SELECT invite_accept_assign(t.org_id, gen_random_uuid()::text || '@load.example', t.id) FROM bench_tenants t WHERE t.n = :t;
