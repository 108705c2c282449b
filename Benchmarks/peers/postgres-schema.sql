-- The parts of Muster's model that an invitation and an assignment touch, as a PostgreSQL
-- application would keep them: tables with the same constraints, and PL/pgSQL functions
-- that do in one transaction what one Muster command does (row, audit row, outbox row).

CREATE TABLE orgs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    n int UNIQUE NOT NULL,                -- for the benchmark scripts to pick an org
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text UNIQUE NOT NULL,
    full_name text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE members (
    org_id uuid NOT NULL REFERENCES orgs,
    user_id uuid NOT NULL REFERENCES users,
    role text NOT NULL CHECK (role IN ('org_admin', 'site_admin', 'caseworker', 'viewer')),
    joined_at timestamptz NOT NULL DEFAULT now(),
    removed_at timestamptz,
    PRIMARY KEY (org_id, user_id)
);
CREATE TABLE invitations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id uuid NOT NULL REFERENCES orgs,
    email text NOT NULL,
    role text NOT NULL CHECK (role IN ('org_admin', 'site_admin', 'caseworker', 'viewer')),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'expired', 'revoked')),
    invited_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    accepted_at timestamptz,
    accepted_by uuid REFERENCES users,
    revoked_at timestamptz,
    revoked_reason text CHECK (length(revoked_reason) <= 500),
    resend_count int NOT NULL DEFAULT 0,
    token_digest bytea
);
-- One pending invitation per email per org; listing by org in creation order.
CREATE UNIQUE INDEX invitations_pending_email ON invitations (org_id, email) WHERE status = 'pending';
CREATE INDEX invitations_by_org ON invitations (org_id, created_at);
CREATE UNIQUE INDEX invitations_token ON invitations (token_digest) WHERE token_digest IS NOT NULL;
CREATE TABLE tenants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id uuid NOT NULL REFERENCES orgs,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE collaborators (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id uuid NOT NULL REFERENCES orgs,
    tenant_id uuid NOT NULL REFERENCES tenants,
    mode text NOT NULL CHECK (mode IN ('full', 'context_only', 'reference_only')),
    user_id uuid REFERENCES users,
    invited_at timestamptz NOT NULL DEFAULT now(),
    activated_at timestamptz,
    ended_at timestamptz
);
-- One active assignment per person per tenant; a person's caseload by user.
CREATE UNIQUE INDEX collaborators_active ON collaborators (tenant_id, user_id) WHERE ended_at IS NULL;
CREATE INDEX collaborators_by_user ON collaborators (user_id) WHERE ended_at IS NULL;
CREATE TABLE audit (
    id bigserial PRIMARY KEY,
    org_id uuid NOT NULL REFERENCES orgs,
    at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    action text NOT NULL,
    target uuid NOT NULL
);
CREATE INDEX audit_by_org ON audit (org_id, id);
CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    recipient text NOT NULL,
    subject text NOT NULL,
    body text NOT NULL,
    queued_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz
);

-- An invitation: refuses an active member or a pending invitation for the email, then
-- writes the invitation, its audit row and its email.
CREATE FUNCTION invite(p_org uuid, p_email text, p_role text, p_digest bytea) RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    v_id uuid;
    v_org_name text;
BEGIN
    SELECT name INTO v_org_name FROM orgs WHERE id = p_org;
    IF NOT FOUND THEN RAISE EXCEPTION 'organisation_not_found'; END IF;
    IF EXISTS (SELECT 1 FROM members m JOIN users u ON u.id = m.user_id
               WHERE m.org_id = p_org AND u.email = lower(p_email) AND m.removed_at IS NULL) THEN
        RAISE EXCEPTION 'already_member';
    END IF;
    INSERT INTO invitations (org_id, email, role, invited_by, expires_at, token_digest)
    VALUES (p_org, lower(p_email), p_role, 'platform_admin', now() + interval '7 days', p_digest)
    RETURNING id INTO v_id;
    INSERT INTO audit (org_id, actor, action, target) VALUES (p_org, 'platform_admin', 'invitation.created', v_id);
    INSERT INTO outbox (kind, recipient, subject, body)
    VALUES ('invitation', lower(p_email), 'You are invited to join ' || v_org_name,
            'To accept, open https://app.example/invitations/accept?token=' || encode(p_digest, 'hex'));
    RETURN v_id;
END $$;

-- Invite, accept (new user, membership) and assign onto a tenant with the caseload cap:
-- the whole onboarding of a support worker.
CREATE FUNCTION invite_accept_assign(p_org uuid, p_email text, p_tenant uuid) RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    v_digest bytea := sha256(gen_random_uuid()::text::bytea);
    v_invitation uuid;
    v_user uuid;
    v_collaborator uuid;
BEGIN
    v_invitation := invite(p_org, p_email, 'caseworker', v_digest);
    -- accept: the token's digest finds the invitation; it must be pending and in date
    PERFORM 1 FROM invitations WHERE token_digest = v_digest AND status = 'pending' AND expires_at > now() FOR UPDATE;
    IF NOT FOUND THEN RAISE EXCEPTION 'invitation_not_pending'; END IF;
    INSERT INTO users (email) VALUES (lower(p_email))
    ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email RETURNING id INTO v_user;
    INSERT INTO members (org_id, user_id, role) VALUES (p_org, v_user, 'caseworker');
    UPDATE invitations SET status = 'accepted', accepted_at = now(), accepted_by = v_user, token_digest = NULL WHERE id = v_invitation;
    INSERT INTO audit (org_id, actor, action, target) VALUES (p_org, v_user::text, 'invitation.accepted', v_invitation);
    -- assign, within the caseload cap of 500 distinct active tenants
    IF (SELECT count(DISTINCT tenant_id) FROM collaborators WHERE user_id = v_user AND ended_at IS NULL) >= 500 THEN
        RAISE EXCEPTION 'caseload_cap_reached';
    END IF;
    INSERT INTO collaborators (org_id, tenant_id, mode, user_id, activated_at)
    VALUES (p_org, p_tenant, 'full', v_user, now()) RETURNING id INTO v_collaborator;
    INSERT INTO audit (org_id, actor, action, target) VALUES (p_org, 'platform_admin', 'collaborator.invited', v_collaborator);
    RETURN v_collaborator;
END $$;

-- A person's caseload: their visible assignments with org and tenant names.
CREATE FUNCTION caseload(p_user uuid) RETURNS TABLE (collaborator_id uuid, org_id uuid, org_name text, tenant_id uuid, tenant_name text, mode text, since timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT c.id, o.id, o.name, t.id, t.name, c.mode, coalesce(c.activated_at, c.invited_at)
    FROM collaborators c JOIN tenants t ON t.id = c.tenant_id JOIN orgs o ON o.id = c.org_id
    WHERE c.user_id = p_user AND c.ended_at IS NULL AND c.mode <> 'reference_only'
    ORDER BY 7, 1
$$;

-- The benchmark's starting state: 16 orgs with 32 tenants each, and 256 people with three
-- assignments each (as the Muster load generator's caseload scenario makes).
INSERT INTO orgs (n, name) SELECT n, 'Load org ' || n FROM generate_series(1, 16) n;
INSERT INTO tenants (org_id, name) SELECT o.id, 'Tenant ' || k FROM orgs o, generate_series(1, 32) k;
CREATE TABLE bench_tenants AS SELECT row_number() OVER (ORDER BY id) AS n, id, org_id FROM tenants;
INSERT INTO users (email, full_name) SELECT 'reader' || n || '@load.example', 'Reader ' || n FROM generate_series(1, 256) n;
CREATE TABLE bench_users AS SELECT row_number() OVER (ORDER BY email) AS n, id FROM users;
INSERT INTO collaborators (org_id, tenant_id, mode, user_id, activated_at)
SELECT t.org_id, t.id, 'full', u.id, now()
FROM bench_users u, generate_series(0, 2) slot, bench_tenants t
WHERE t.n = ((u.n * 3 + slot * 37) % 512) + 1;
ANALYZE;
