/// The pages, as Mustache templates: `{{x}}` is HTML-escaped, `{{{body}}}` is a page already
/// rendered. Every form that changes something carries the session's form token (`csrf`).
enum PageTemplates {
    static let all: [String: String] = [
        "layout": layout, "link_invitation": linkInvitation, "link_verify": linkVerify, "link_done": linkDone, "login": login, "login_sent": loginSent,
        "password": password, "home": home, "org_nav": orgNav, "users": users, "tenants": tenants, "team": team, "caseload": caseload, "case": caseView,
        "audit": audit, "keys": keys, "webhooks": webhooks, "message": message, "settings": settings,
    ]

    static let layout = """
        <!doctype html>
        <html lang="{{lang}}{{^lang}}en{{/lang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Muster</title>
        <link rel="stylesheet" href="/console/assets/muster.css">
        <script src="/console/assets/muster.js" defer></script>
        {{#brandCSS}}<link rel="stylesheet" href="{{brandCSS}}">{{/brandCSS}}
        </head>
        <body>
        <a class="skip" href="#main">{{skip}}{{^skip}}Skip to content{{/skip}}</a>
        <header class="top">
          <a class="brand" href="/console">Muster</a>
          {{#signedIn}}
          <nav aria-label="Main"><a href="/console">Home</a> <a href="/console/caseload">Caseload</a></nav>
          <form method="post" action="/console/logout" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Sign out</button></form>
          {{/signedIn}}
        </header>
        <main id="main">
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        {{{body}}}
        </main>
        </body>
        </html>
        """

    static let linkInvitation = """
        {{#logo}}<p><img class="logo" src="{{logo}}" alt="{{orgName}}" height="48"></p>{{/logo}}
        <h1>{{heading}}</h1>
        {{#valid}}
        <p>{{invited}}</p>
        <p>{{expires}}</p>
        <form method="post" action="/invitations/accept">
          <input type="hidden" name="token" value="{{token}}">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <button type="submit" class="primary">{{accept}}</button>
        </form>
        {{/valid}}
        {{^valid}}<p id="why">{{reason}}</p><p><a class="button" href="/console/login">{{goToSignIn}}</a></p>{{/valid}}
        """

    static let linkVerify = """
        <h1>{{heading}}</h1>
        {{#valid}}
        <p>{{what}}</p>
        {{#expires}}<p>{{expires}}</p>{{/expires}}
        <form method="post" action="/auth/verify">
          <input type="hidden" name="token" value="{{token}}">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <button type="submit" class="primary">{{signIn}}</button>
        </form>
        {{/valid}}
        {{^valid}}<p id="why">{{reason}}</p><p><a class="button" href="/console/login">{{goToSignIn}}</a></p>{{/valid}}
        """

    static let linkDone = """
        <h1>{{heading}}</h1>
        <p id="done">{{what}}</p>
        <p><a class="button primary" href="{{next}}">{{nextLabel}}</a></p>
        """

    static let message = """
        <h1>{{heading}}</h1>
        <p>{{text}}</p>
        {{#next}}<p><a href="{{next}}">Continue</a></p>{{/next}}
        """

    static let login = """
        <h1>Sign in</h1>
        <section aria-labelledby="link-heading">
          <h2 id="link-heading">With a link by email</h2>
          <form method="post" action="/console/login/link">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label for="link-email">Email</label>
            <input id="link-email" name="email" type="email" autocomplete="email" required>
            <button type="submit" class="primary">Email me a sign-in link</button>
          </form>
        </section>
        <section aria-labelledby="password-heading">
          <h2 id="password-heading">With a password</h2>
          <form method="post" action="/console/login/password">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label for="password-email">Email</label>
            <input id="password-email" name="email" type="email" autocomplete="username" required>
            <label for="password-password">Password</label>
            <input id="password-password" name="password" type="password" autocomplete="current-password" required>
            <button type="submit">Sign in</button>
          </form>
        </section>
        """

    static let loginSent = """
        <h1>Check your email</h1>
        <p>If {{email}} has an account, a sign-in link is on its way. It works once, for 15 minutes.</p>
        """

    static let password = """
        <h1>Choose a new password</h1>
        <p>You signed in with a temporary password. Choose your own before you go on.</p>
        <form method="post" action="/console/password">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="current">Temporary password</label>
          <input id="current" name="current" type="password" autocomplete="current-password" required>
          <label for="new">New password ({{passwordRule}})</label>
          <input id="new" name="new" type="password" autocomplete="new-password" minlength="{{passwordMinimum}}" required>
          <button type="submit" class="primary">Save</button>
        </form>
        """

    static let home = """
        <h1>Hello, {{greeting}}</h1>
        <p>Signed in as {{email}}.</p>
        <h2>Your organisations</h2>
        {{#orgs}}
        <div class="card"><h3>{{name}}</h3><p>{{role}}</p>
          <p class="links">{{#mayViewUsers}}<a href="/console/orgs/{{id}}/users">User Management</a> {{/mayViewUsers}}<a href="/console/orgs/{{id}}/tenants">Tenants</a>{{#mayViewUsers}} <a href="/console/orgs/{{id}}/audit">Audit trail</a>{{/mayViewUsers}}{{#mayManageRoles}} <a href="/console/orgs/{{id}}/api-keys">API keys</a>{{/mayManageRoles}}{{#mayViewUsers}} <a href="/console/orgs/{{id}}/webhooks">Webhooks</a>{{/mayViewUsers}}{{#mayChangeSettings}} <a href="/console/orgs/{{id}}/settings">Settings</a>{{/mayChangeSettings}}</p>
        </div>
        {{/orgs}}
        {{^orgs}}<p>You are not a member of any organisation.</p>{{/orgs}}
        <h2>Cases you work on</h2>
        <p><a href="/console/caseload">Your caseload</a></p>
        """

    static let orgNav = """
        <nav class="tabs" aria-label="{{orgName}}">
          {{#mayViewUsers}}<a href="/console/orgs/{{orgID}}/users"{{#navUsers}} aria-current="page"{{/navUsers}}>User Management</a>{{/mayViewUsers}}
          <a href="/console/orgs/{{orgID}}/tenants"{{#navTenants}} aria-current="page"{{/navTenants}}>Tenants</a>
          {{#mayViewUsers}}<a href="/console/orgs/{{orgID}}/audit"{{#navAudit}} aria-current="page"{{/navAudit}}>Audit trail</a>{{/mayViewUsers}}
          {{#mayManageRoles}}<a href="/console/orgs/{{orgID}}/api-keys"{{#navKeys}} aria-current="page"{{/navKeys}}>API keys</a>{{/mayManageRoles}}
          {{#mayViewUsers}}<a href="/console/orgs/{{orgID}}/webhooks"{{#navWebhooks}} aria-current="page"{{/navWebhooks}}>Webhooks</a>{{/mayViewUsers}}
          {{#mayChangeSettings}}<a href="/console/orgs/{{orgID}}/settings"{{#navSettings}} aria-current="page"{{/navSettings}}>Settings</a>{{/mayChangeSettings}}
        </nav>
        """

    static let users = """
        <p class="crumb">{{orgName}} · Settings</p>
        <h1>User Management</h1>
        {{{orgNav}}}
        <nav class="tabs" aria-label="User Management">
          <a href="/console/orgs/{{orgID}}/users"{{^invitationsTab}} aria-current="page"{{/invitationsTab}}>Members</a>
          <a href="/console/orgs/{{orgID}}/users?tab=invitations"{{#invitationsTab}} aria-current="page"{{/invitationsTab}}>Invitations</a>
        </nav>
        {{#mayInvite}}
        <details class="menu"{{#typed}} open{{/typed}}>
          <summary>Add User</summary>
          <form method="post" action="/console/orgs/{{orgID}}/invitations" class="card">
            <h2>Invite by email <span class="badge">Recommended</span></h2>
            <p class="hint">They get a link that works once and set up their own sign-in.</p>
            <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="method" value="email">
            <label for="invite-email">Email</label><input id="invite-email" name="email" type="email" required{{#typed.invite}} value="{{typed.email}}"{{/typed.invite}}>
            <label for="invite-role">Role</label><select id="invite-role" name="role">{{#roles}}<option value="{{key}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/roles}}</select>
            <label for="invite-days">Expires after (days, optional)</label><input id="invite-days" name="expires_in_days" type="number" min="1" max="30"{{#typed.invite}} value="{{typed.days}}"{{/typed.invite}}>
            <button type="submit" class="primary">Send invitation</button>
          </form>
          <form method="post" action="/console/orgs/{{orgID}}/invitations" class="card">
            <h2>Add an existing user</h2>
            <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="method" value="existing_user">
            <label for="existing-email">Their Muster email</label><input id="existing-email" name="email" type="email" required{{#typed.existing}} value="{{typed.email}}"{{/typed.existing}}>
            <label for="existing-role">Role</label><select id="existing-role" name="role">{{#roles}}<option value="{{key}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/roles}}</select>
            <button type="submit">Add them</button>
          </form>
          {{#directCreate}}
          <form method="post" action="/console/orgs/{{orgID}}/users" class="card">
            <h2>Create with a temporary password <span class="badge legacy">Legacy</span></h2>
            <p class="hint">Only where email links cannot reach the person: you pass the password on, and they must change it at first sign-in.</p>
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label for="direct-email">Email</label><input id="direct-email" name="email" type="email" required{{#typed.direct}} value="{{typed.email}}"{{/typed.direct}}>
            <label for="direct-name">Full name</label><input id="direct-name" name="full_name" required{{#typed.direct}} value="{{typed.fullName}}"{{/typed.direct}}>
            <label for="direct-role">Role</label><select id="direct-role" name="role">{{#roles}}<option value="{{key}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/roles}}</select>
            <button type="submit">Create user</button>
          </form>
          {{/directCreate}}
        </details>
        {{/mayInvite}}
        {{#temporaryPassword}}<p class="secret" role="status">Temporary password for {{email}}, shown once: <code id="temporary-password">{{password}}</code></p>{{/temporaryPassword}}
        {{^invitationsTab}}
        <table>
          <caption>Members</caption>
          <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Extra keys</th><th scope="col">Actions</th></tr></thead>
          <tbody>
          {{#members}}
          <tr>
            <td>{{email}}</td><td>{{role}}</td><td>{{grants}}{{^grants}}—{{/grants}}</td>
            <td class="actions">
              {{#mayManageRoles}}
              <form method="post" action="/console/orgs/{{orgID}}/members/{{userID}}/role"><input type="hidden" name="csrf" value="{{csrf}}">
                <label for="role-{{userID}}" class="sr">Role for {{email}}</label>
                <select id="role-{{userID}}" name="role">{{#roleChoices}}<option value="{{key}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/roleChoices}}</select>
                <button type="submit">Change role</button></form>
              <form method="post" action="/console/orgs/{{orgID}}/members/{{userID}}/grants"><input type="hidden" name="csrf" value="{{csrf}}">
                <label for="key-{{userID}}" class="sr">Permission key for {{email}}</label>
                <select id="key-{{userID}}" name="key">{{#keys}}<option value="{{.}}">{{.}}</option>{{/keys}}</select>
                <button type="submit" name="change" value="grant">Grant</button> <button type="submit" name="change" value="withdraw">Withdraw</button></form>
              {{/mayManageRoles}}
              {{#mayResetPassword}}<form method="post" action="/console/orgs/{{orgID}}/members/{{userID}}/reset-password"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Reset password</button></form>{{/mayResetPassword}}
              {{#mayManageRoles}}<form method="post" action="/console/orgs/{{orgID}}/members/{{userID}}/remove" data-confirm="Remove {{email}} from the organisation?"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">Remove</button></form>{{/mayManageRoles}}
            </td>
          </tr>
          {{/members}}
          </tbody>
        </table>
        {{/invitationsTab}}
        {{#invitationsTab}}
        <form method="get" action="/console/orgs/{{orgID}}/users" class="filter">
          <input type="hidden" name="tab" value="invitations">
          <label for="status">Status</label>
          <select id="status" name="status">{{#statuses}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statuses}}</select>
          <button type="submit">Filter</button>
        </form>
        <table>
          <caption>Invitations</caption>
          <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Invited</th><th scope="col">Since</th><th scope="col">Actions</th></tr></thead>
          <tbody>
          {{#invitations}}
          <tr data-email="{{email}}">
            <td>{{email}}</td><td>{{role}}</td><td class="status">{{status}}</td>
            <td class="invited">{{invitedAt}} by {{invitedBy}}, {{method}}{{#reinvite}}<br><span class="hint">invited again</span>{{/reinvite}}</td>
            <td class="since">
              {{#accepted}}Accepted {{at}}{{#by}} by {{by}}{{/by}}{{/accepted}}
              {{#revoked}}Revoked {{at}} by {{by}}{{#reason}}<br><span class="reason">Reason: {{reason}}</span>{{/reason}}{{/revoked}}
              {{#expiresAt}}<span class="expires">{{#pending}}Expires{{/pending}}{{^pending}}Expired{{/pending}} {{expiresAt}}</span>{{/expiresAt}}
              {{#resent}}<br><span class="hint">Resent {{count}}×, last {{at}}</span>{{/resent}}
            </td>
            <td class="actions">
              {{#pending}}
              {{#mayResend}}<form method="post" action="/console/orgs/{{orgID}}/invitations/{{id}}/resend"><input type="hidden" name="csrf" value="{{csrf}}">
                <button type="submit">Resend</button> <span class="hint">{{resendHint}}</span></form>{{/mayResend}}
              {{#mayRevoke}}<details><summary>Revoke</summary>
                <form method="post" action="/console/orgs/{{orgID}}/invitations/{{id}}/revoke" class="revoke" data-confirm="Revoke the invitation of {{email}}? Their link will stop working."><input type="hidden" name="csrf" value="{{csrf}}">
                  <label for="reason-{{id}}">Reason (optional, shown to staff only)</label>
                  <textarea id="reason-{{id}}" name="reason" maxlength="500" data-counter="count-{{id}}"></textarea>
                  <span id="count-{{id}}" class="hint" aria-live="polite">0 / 500</span>
                  <button type="submit" class="danger">Revoke invitation</button></form>
              </details>{{/mayRevoke}}
              {{/pending}}
              {{#canReinvite}}{{#mayInvite}}
              <form method="post" action="/console/orgs/{{orgID}}/invitations/{{id}}/reinvite"><input type="hidden" name="csrf" value="{{csrf}}">
                <button type="submit" class="reinvite">Invite again</button></form>
              {{/mayInvite}}{{/canReinvite}}
            </td>
          </tr>
          {{/invitations}}
          {{^invitations}}<tr><td colspan="6">No invitations.</td></tr>{{/invitations}}
          </tbody>
        </table>
        {{/invitationsTab}}
        """

    static let tenants = """
        <p class="crumb">{{orgName}}</p>
        <h1>Tenants</h1>
        {{{orgNav}}}
        <form method="post" action="/console/orgs/{{orgID}}/tenants" class="card">
          <h2>New tenant</h2>
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="tenant-name">Name</label><input id="tenant-name" name="name" required>
          <label for="tenant-reference">Reference (optional)</label><input id="tenant-reference" name="reference">
          <button type="submit" class="primary">Create tenant</button>
        </form>
        <ul class="list">
        {{#tenants}}<li><a href="/console/orgs/{{orgID}}/tenants/{{id}}">{{name}}</a> {{#reference}}<span class="hint">{{reference}}</span>{{/reference}}</li>{{/tenants}}
        {{^tenants}}<li>No tenants yet.</li>{{/tenants}}
        </ul>
        """

    static let team = """
        <p class="crumb"><a href="/console/orgs/{{orgID}}/tenants">{{orgName}} · Tenants</a></p>
        <h1>{{tenantName}}</h1>
        <nav class="tabs" aria-label="Case"><a href="/console/orgs/{{orgID}}/tenants/{{tenantID}}" aria-current="page">Team</a> <a href="/console/orgs/{{orgID}}/tenants/{{tenantID}}/case">Workspace</a></nav>
        <table>
          <caption>Team</caption>
          <thead><tr><th scope="col">Who</th><th scope="col">Mode</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
          <tbody>
          {{#team}}
          <tr data-who="{{who}}">
            <td>{{who}}{{#contactLine}}<br><span class="hint">{{contactLine}}</span>{{/contactLine}}</td><td>{{mode}}</td><td class="status">{{status}}</td>
            <td class="actions">
              {{#active}}<form method="post" action="/console/orgs/{{orgID}}/tenants/{{tenantID}}/collaborators/{{id}}/end" data-confirm="End the assignment of {{who}}? They lose access to the case at once."><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">End</button></form>{{/active}}
              {{#editable}}<details><summary>Edit contact card</summary>
                <form method="post" action="/console/orgs/{{orgID}}/tenants/{{tenantID}}/collaborators/{{id}}/contact"><input type="hidden" name="csrf" value="{{csrf}}">
                  <label for="cn-{{id}}">Contact name</label><input id="cn-{{id}}" name="contact_name" value="{{contactName}}" required>
                  <label for="ce-{{id}}">Contact email</label><input id="ce-{{id}}" name="contact_email" type="email" value="{{contactEmail}}">
                  <label for="cp-{{id}}">Contact phone</label><input id="cp-{{id}}" name="contact_phone" value="{{contactPhone}}">
                  <label for="co-{{id}}">Organisation</label><input id="co-{{id}}" name="contact_organisation_name" value="{{contactOrganisation}}">
                  <label for="cr-{{id}}">Role label</label><input id="cr-{{id}}" name="contact_role_label" value="{{contactRole}}">
                  <button type="submit">Save contact card</button></form></details>{{/editable}}
            </td>
          </tr>
          {{/team}}
          {{^team}}<tr><td colspan="4">Nobody is assigned yet.</td></tr>{{/team}}
          </tbody>
        </table>
        <details class="menu" open>
          <summary>+ Invite a support worker</summary>
          <form method="post" action="/console/orgs/{{orgID}}/tenants/{{tenantID}}/collaborators" class="card" id="invite-collaborator">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <fieldset><legend>Participation mode</legend>
              <label><input type="radio" name="mode" value="full" checked> Full — reads and writes the workspace</label>
              <label><input type="radio" name="mode" value="context_only"> Context-only — reads goals, shared notes, the summary; records sessions</label>
              <label><input type="radio" name="mode" value="reference_only"> Reference-only — a contact card, no account</label>
            </fieldset>
            <div data-modes="full context_only">
              <label for="c-email">Email</label><input id="c-email" name="email" type="email">
              <label for="c-name">Full name</label><input id="c-name" name="full_name">
            </div>
            <div data-modes="reference_only">
              <label for="c-contact-name">Contact name</label><input id="c-contact-name" name="contact_name">
              <label for="c-contact-email">Contact email</label><input id="c-contact-email" name="contact_email" type="email">
              <label for="c-contact-phone">Contact phone</label><input id="c-contact-phone" name="contact_phone">
              <label for="c-contact-org">Organisation (optional)</label><input id="c-contact-org" name="contact_organisation_name">
              <label for="c-contact-role">Role label (optional)</label><input id="c-contact-role" name="contact_role_label">
            </div>
            <label><input type="checkbox" name="override_cap" value="true"> Override the caseload cap</label>
            <button type="submit" class="primary">Invite</button>
          </form>
        </details>
        """

    static let caseload = """
        <h1>Your caseload</h1>
        <ul class="list">
        {{#entries}}<li><a href="/console/orgs/{{orgID}}/tenants/{{tenantID}}/case">{{tenantName}}</a> <span class="hint">{{orgName}} · {{mode}} · since {{since}}</span></li>{{/entries}}
        {{^entries}}<li id="empty">No cases are assigned to you.</li>{{/entries}}
        </ul>
        """

    static let caseView = """
        <p class="crumb">{{orgName}}</p>
        <h1>{{tenantName}}</h1>
        <p class="hint" id="mode">{{viewAs}}</p>
        {{#showSummary}}<section id="summary"><h2>Summary</h2>
          {{#contextSummary}}<p>{{text}}</p><p class="hint">{{by}}, {{at}}</p>{{/contextSummary}}{{^contextSummary}}<p>No summary yet.</p>{{/contextSummary}}
          {{#canWriteSummary}}<details><summary>Edit the summary</summary><form method="post" action="/console/orgs/{{orgID}}/tenants/{{tenantID}}/summary"><input type="hidden" name="csrf" value="{{csrf}}">
            <label for="summary-text">Summary</label><textarea id="summary-text" name="text" required>{{#contextSummary}}{{text}}{{/contextSummary}}</textarea><button type="submit">Save summary</button></form></details>{{/canWriteSummary}}
        </section>{{/showSummary}}
        {{#showGoals}}<section id="goals"><h2>Goals</h2><ul class="list">{{#goals}}<li><strong>{{title}}</strong>{{#detail}} — {{detail}}{{/detail}} <span class="hint">{{by}}, {{at}}</span></li>{{/goals}}{{^goals}}<li>No goals.</li>{{/goals}}</ul>
          {{#canWriteGoals}}<form method="post" action="/console/orgs/{{orgID}}/tenants/{{tenantID}}/goals"><input type="hidden" name="csrf" value="{{csrf}}">
            <label for="goal-title">New goal</label><input id="goal-title" name="title" required maxlength="200">
            <label for="goal-detail">Detail (optional)</label><textarea id="goal-detail" name="detail"></textarea><button type="submit">Add goal</button></form>{{/canWriteGoals}}
        </section>{{/showGoals}}
        {{#showSessions}}<section id="sessions"><h2>Sessions</h2><ul class="list">{{#sessions}}<li><strong>{{when}}</strong> {{summary}} <span class="hint">{{by}}</span></li>{{/sessions}}{{^sessions}}<li>No sessions.</li>{{/sessions}}</ul>
          {{#canRecordSessions}}<form method="post" action="/console/orgs/{{orgID}}/tenants/{{tenantID}}/sessions"><input type="hidden" name="csrf" value="{{csrf}}">
            <label for="session-when">When (UTC)</label><input id="session-when" name="occurred_at" type="datetime-local" required>
            <label for="session-summary">What happened</label><textarea id="session-summary" name="summary" required></textarea><button type="submit">Record session</button></form>{{/canRecordSessions}}
        </section>{{/showSessions}}
        {{#showNotes}}<section id="notes"><h2>Notes</h2><ul class="list">{{#notes}}<li><strong>{{kind}}</strong> {{body}} <span class="hint">{{by}}, {{at}}</span></li>{{/notes}}{{^notes}}<li>No notes.</li>{{/notes}}</ul>
          {{#canWriteNotes}}<form method="post" action="/console/orgs/{{orgID}}/tenants/{{tenantID}}/notes"><input type="hidden" name="csrf" value="{{csrf}}">
            <label for="note">New shared note</label><textarea id="note" name="body" required></textarea><button type="submit">Add note</button></form>{{/canWriteNotes}}
          {{#canWriteProfessional}}<form method="post" action="/console/orgs/{{orgID}}/tenants/{{tenantID}}/notes"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="kind" value="professional">
            <label for="pro-note">New professional note (staff only)</label><textarea id="pro-note" name="body" required></textarea><button type="submit">Add professional note</button></form>{{/canWriteProfessional}}
        </section>{{/showNotes}}
        {{#showDocuments}}<section id="documents"><h2>Documents</h2><ul class="list">{{#documents}}<li>{{name}} <span class="hint">{{type}}, {{size}} · {{by}}, {{at}}</span></li>{{/documents}}{{^documents}}<li>No documents.</li>{{/documents}}</ul>
          {{#canWriteDocuments}}<details><summary>Record a document</summary><form method="post" action="/console/orgs/{{orgID}}/tenants/{{tenantID}}/documents"><input type="hidden" name="csrf" value="{{csrf}}">
            <p class="hint">Muster keeps what a document is; the file itself stays in your document store.</p>
            <label for="doc-name">Name</label><input id="doc-name" name="name" required>
            <label for="doc-type">Type</label><input id="doc-type" name="content_type" value="application/pdf" required>
            <label for="doc-size">Size in bytes</label><input id="doc-size" name="size_bytes" type="number" min="0" required>
            <label for="doc-checksum">Checksum</label><input id="doc-checksum" name="checksum" placeholder="sha256:…" required>
            <button type="submit">Record document</button></form></details>{{/canWriteDocuments}}
        </section>{{/showDocuments}}
        """

    static let settings = """
        <p class="crumb">{{orgName}}</p>
        <h1>Settings</h1>
        {{{orgNav}}}
        <form method="post" action="/console/orgs/{{orgID}}/settings" class="card settings">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="org-name">Organisation name</label><input id="org-name" name="name" value="{{form.name}}" required maxlength="200">
          <label for="org-days">Invitations last (days)</label>
          <input id="org-days" name="invitation_lifetime_days" type="number" min="1" max="30" value="{{form.days}}" placeholder="{{defaultDays}}">
          <p class="hint">Leave blank for the deployment's {{defaultDays}} days.</p>
          <label for="org-domains">Allowed email domains</label>
          <textarea id="org-domains" name="allowed_email_domains" rows="3" placeholder="example.org">{{form.domains}}</textarea>
          <p class="hint">One per line. People can be invited only from these domains; leave empty to allow any.</p>
          <label for="org-locale">Language of emails and pages</label>
          <select id="org-locale" name="default_locale">{{#languages}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/languages}}</select>
          <label for="org-reply">Replies to the organisation's emails go to</label>
          <input id="org-reply" name="reply_to_email" type="email" value="{{form.replyTo}}" placeholder="office@example.org">
          <label for="org-origins">After accepting, invitations may send people on to</label>
          <textarea id="org-origins" name="allowed_redirect_origins" rows="3" placeholder="https://app.example.org">{{form.origins}}</textarea>
          <p class="hint">One site per line, such as https://app.example.org. An invitation can name a page on these sites only.</p>
          <label for="org-logo">Logo (an https address)</label>
          <input id="org-logo" name="logo_url" type="url" value="{{form.logo}}" placeholder="https://example.org/logo.png">
          <label for="org-colour">Accent colour</label>
          <input id="org-colour" name="accent_colour" value="{{form.colour}}" placeholder="#1d70b8" pattern="#[0-9a-fA-F]{6}">
          <button type="submit" class="primary">Save settings</button>
        </form>
        """

    static let audit = """
        <p class="crumb">{{orgName}}</p>
        <h1>Audit trail</h1>
        {{{orgNav}}}
        <form method="get" action="/console/orgs/{{orgID}}/audit" class="filter">
          <label for="action">Event</label>
          <select id="action" name="action"><option value="">All events</option>
            {{#kindGroups}}<optgroup label="{{label}}">{{#kinds}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/kinds}}</optgroup>{{/kindGroups}}
          </select>
          <label for="actor">Who</label>
          <select id="actor" name="actor"><option value="">Anyone</option>
            {{#actors}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/actors}}
          </select>
          <button type="submit">Filter</button>
        </form>
        <table class="audit"><caption>Newest first</caption>
          <thead><tr><th scope="col">When</th><th scope="col">What happened</th><th scope="col">Event</th></tr></thead>
          <tbody>{{#entries}}<tr><td>{{at}}</td><td><strong>{{actor}}</strong> {{what}}</td><td>{{kind}}</td></tr>{{/entries}}
          {{^entries}}<tr><td colspan="3">Nothing recorded matches.</td></tr>{{/entries}}</tbody>
        </table>
        <nav class="pager" aria-label="Pages">{{#newest}}<a href="{{newest}}">Newest</a> {{/newest}}{{#older}}<a href="{{older}}" rel="next">Older</a>{{/older}}</nav>
        """

    static let keys = """
        <p class="crumb">{{orgName}}</p>
        <h1>API keys</h1>
        {{{orgNav}}}
        {{#secret}}<p class="secret" role="status">The key's secret, shown once — copy it now: <code id="new-secret">{{secret}}</code></p>{{/secret}}
        <form method="post" action="/console/orgs/{{orgID}}/api-keys" class="card">
          <h2>New key</h2><input type="hidden" name="csrf" value="{{csrf}}">
          <label for="key-name">Name</label><input id="key-name" name="name" required>
          <label for="key-role">Role</label><select id="key-role" name="role">{{#roles}}<option value="{{key}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/roles}}</select>
          <button type="submit" class="primary">Create key</button>
        </form>
        <table><caption>Keys</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Actions</th></tr></thead>
          <tbody>{{#keyRows}}<tr><td>{{name}}</td><td>{{role}}</td><td>{{createdAt}}</td><td>{{lastUsed}}</td>
            <td>{{#active}}<form method="post" action="/console/orgs/{{orgID}}/api-keys/{{id}}/revoke"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">Revoke</button></form>{{/active}}{{^active}}revoked{{/active}}</td></tr>{{/keyRows}}</tbody>
        </table>
        """

    static let webhooks = """
        <p class="crumb">{{orgName}}</p>
        <h1>Webhooks</h1>
        {{{orgNav}}}
        {{#secret}}<p class="secret" role="status">The signing secret of {{url}}, shown once — copy it now: <code id="webhook-secret">{{secret}}</code></p>{{/secret}}
        <details class="menu"{{#error}} open{{/error}}><summary>Add a webhook</summary>
          <form method="post" action="/console/orgs/{{orgID}}/webhooks" class="card">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label for="hook-url">Endpoint</label><input id="hook-url" name="url" type="url" required value="{{typed.url}}" placeholder="https://hooks.example.org/muster">
            <label for="hook-description">Description (optional)</label><input id="hook-description" name="description" maxlength="200" value="{{typed.description}}">
            <fieldset><legend>Events (none ticked: every event)</legend>
              {{#kindGroups}}<p><strong>{{label}}</strong><br>{{#kinds}}<label class="inline"><input type="checkbox" name="event_types" value="{{value}}"{{#checked}} checked{{/checked}}> {{label}}</label> {{/kinds}}</p>{{/kindGroups}}
            </fieldset>
            <button type="submit" class="primary">Add webhook</button>
          </form>
        </details>
        {{#hooks}}
        <section class="card webhook" data-url="{{url}}"><h2>{{url}}</h2>
          <p>{{#active}}Active{{/active}}{{paused}} · {{types}}{{#description}} · {{description}}{{/description}} · added {{created}}</p>
          {{#graces}}<p class="hint">The previous secret also signs until {{until}}.</p>{{/graces}}
          <div class="actions">
            {{#active}}<form method="post" action="/console/orgs/{{orgID}}/webhooks/{{id}}/pause" class="inline"><input type="hidden" name="csrf" value="{{csrf}}">
              <label for="reason-{{id}}" class="sr">Why pause</label><input id="reason-{{id}}" name="reason" placeholder="Why (optional)"> <button type="submit">Pause</button></form>{{/active}}
            {{^active}}<form method="post" action="/console/orgs/{{orgID}}/webhooks/{{id}}/resume" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Resume</button></form>{{/active}}
            <form method="post" action="/console/orgs/{{orgID}}/webhooks/{{id}}/ping" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Send a test event</button></form>
            <form method="post" action="/console/orgs/{{orgID}}/webhooks/{{id}}/rotate" class="inline" data-confirm="Make a new signing secret for {{url}}?"><input type="hidden" name="csrf" value="{{csrf}}">
              <label for="grace-{{id}}">Old secret keeps signing for</label>
              <select id="grace-{{id}}" name="grace_hours"><option value="0">no time</option><option value="1">1 hour</option><option value="24" selected>24 hours</option><option value="168">a week</option></select>
              <button type="submit">Rotate secret</button></form>
            <form method="post" action="/console/orgs/{{orgID}}/webhooks/{{id}}/delete" class="inline" data-confirm="Delete the webhook to {{url}}? Deliveries stop at once."><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">Delete</button></form>
          </div>
          <details><summary>Edit</summary>
            <form method="post" action="/console/orgs/{{orgID}}/webhooks/{{id}}/edit"><input type="hidden" name="csrf" value="{{csrf}}">
              <label for="url-{{id}}">Endpoint</label><input id="url-{{id}}" name="url" type="url" value="{{url}}" required>
              <label for="desc-{{id}}">Description</label><input id="desc-{{id}}" name="description" value="{{description}}" maxlength="200">
              <p class="hint">Events: the ones ticked now are the ones it receives; none ticked means every event.</p>
              {{#editGroups}}<p><strong>{{label}}</strong><br>{{#kinds}}<label class="inline"><input type="checkbox" name="event_types" value="{{value}}"{{#checked}} checked{{/checked}}> {{label}}</label> {{/kinds}}</p>{{/editGroups}}
              <button type="submit">Save webhook</button></form>
          </details>
          <table><caption>Latest deliveries</caption>
            <thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Outcome</th><th scope="col">Attempt</th><th scope="col">Answer</th><th scope="col">Took</th></tr></thead>
            <tbody>{{#deliveries}}<tr><td>{{at}}</td><td>{{event}}</td><td>{{outcome}}</td><td>{{attempt}}</td><td>{{answer}}</td><td>{{took}}</td></tr>{{/deliveries}}{{^deliveries}}<tr><td colspan="6">None yet.</td></tr>{{/deliveries}}</tbody>
          </table>
        </section>
        {{/hooks}}
        {{^hooks}}<p>No webhooks yet.</p>{{/hooks}}
        """
}
