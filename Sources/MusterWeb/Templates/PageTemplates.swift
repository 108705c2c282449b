/// The pages, as Mustache templates: `{{x}}` is HTML-escaped, `{{{body}}}` is a page already
/// rendered. Every form that changes something carries the session's form token (`csrf`).
enum PageTemplates {
    static let all: [String: String] = [
        "layout": layout, "link_invitation": linkInvitation, "link_verify": linkVerify, "link_done": linkDone, "login": login,
        "login_sent": loginSent,
        "password": password, "home": home, "org_nav": orgNav, "users": users, "tenants": tenants, "team": team, "caseload": caseload,
        "case": caseView,
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
        <a class="skip" href="#main">{{#skip}}{{skip}}{{/skip}}{{^skip}}{{>t.layout.skip_to_content}}{{/skip}}</a>
        <header class="top">
          <a class="brand" href="/console">Muster</a>
          {{#otherLanguage}}<a class="language" href="/console/language/{{code}}" lang="{{code}}" hreflang="{{code}}">{{name}}</a>{{/otherLanguage}}
          {{#signedIn}}
          <nav aria-label="{{>t.layout.main}}"><a href="/console">{{>t.layout.home}}</a> <a href="/console/caseload">{{>t.layout.caseload}}</a></nav>
          <form method="post" action="/console/logout" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{>t.layout.sign_out}}</button></form>
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
        {{#next}}<p><a href="{{next}}">{{>t.message.continue}}</a></p>{{/next}}
        """

    static let login = """
        <h1>{{>t.login.sign_in}}</h1>
        <section aria-labelledby="link-heading">
          <h2 id="link-heading">{{>t.login.with_a_link_by_email}}</h2>
          <form method="post" action="/console/login/link">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label for="link-email">{{>t.common.email}}</label>
            <input id="link-email" name="email" type="email" autocomplete="email" required>
            <button type="submit" class="primary">{{>t.login.email_me_a_sign_in}}</button>
          </form>
        </section>
        <section aria-labelledby="password-heading">
          <h2 id="password-heading">{{>t.login.with_a_password}}</h2>
          <form method="post" action="/console/login/password">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label for="password-email">{{>t.common.email}}</label>
            <input id="password-email" name="email" type="email" autocomplete="username" required>
            <label for="password-password">{{>t.login.password}}</label>
            <input id="password-password" name="password" type="password" autocomplete="current-password" required>
            <button type="submit">{{>t.login.sign_in}}</button>
          </form>
        </section>
        """

    static let loginSent = """
        <h1>{{>t.login.check_your_email}}</h1>
        <p>{{>t.login.if_has_an_account_a}}</p>
        """

    static let password = """
        <h1>{{>t.password.choose_a_new_password}}</h1>
        <p>{{>t.password.you_signed_in_with_a}}</p>
        <form method="post" action="/console/password">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="current">{{>t.password.temporary_password}}</label>
          <input id="current" name="current" type="password" autocomplete="current-password" required>
          <label for="new">{{>t.password.new_password}}</label>
          <input id="new" name="new" type="password" autocomplete="new-password" minlength="{{passwordMinimum}}" required>
          <button type="submit" class="primary">{{>t.password.save}}</button>
        </form>
        """

    static let home = """
        <h1>{{>t.home.hello}}</h1>
        <p>{{>t.home.signed_in_as}}</p>
        <h2>{{>t.home.your_organisations}}</h2>
        {{#orgs}}
        <div class="card"><h3>{{name}}</h3><p>{{role}}</p>
          <p class="links">{{#mayViewUsers}}<a href="/console/orgs/{{id}}/users">{{>t.common.user_management}}</a> {{/mayViewUsers}}<a href="/console/orgs/{{id}}/tenants">{{>t.common.tenants}}</a>{{#mayViewUsers}} <a href="/console/orgs/{{id}}/audit">{{>t.common.audit_trail}}</a>{{/mayViewUsers}}{{#mayManageRoles}} <a href="/console/orgs/{{id}}/api-keys">{{>t.common.api_keys}}</a>{{/mayManageRoles}}{{#mayViewUsers}} <a href="/console/orgs/{{id}}/webhooks">{{>t.common.webhooks}}</a>{{/mayViewUsers}}{{#mayChangeSettings}} <a href="/console/orgs/{{id}}/settings">{{>t.common.settings}}</a>{{/mayChangeSettings}}</p>
        </div>
        {{/orgs}}
        {{^orgs}}<p>{{>t.home.you_are_not_a_member}}</p>{{/orgs}}
        <h2>{{>t.home.cases_you_work_on}}</h2>
        <p><a href="/console/caseload">{{>t.common.your_caseload}}</a></p>
        """

    static let orgNav = """
        <nav class="tabs" aria-label="{{orgName}}">
          {{#mayViewUsers}}<a href="/console/orgs/{{orgID}}/users"{{#navUsers}} aria-current="page"{{/navUsers}}>{{>t.common.user_management}}</a>{{/mayViewUsers}}
          <a href="/console/orgs/{{orgID}}/tenants"{{#navTenants}} aria-current="page"{{/navTenants}}>{{>t.common.tenants}}</a>
          {{#mayViewUsers}}<a href="/console/orgs/{{orgID}}/audit"{{#navAudit}} aria-current="page"{{/navAudit}}>{{>t.common.audit_trail}}</a>{{/mayViewUsers}}
          {{#mayManageRoles}}<a href="/console/orgs/{{orgID}}/api-keys"{{#navKeys}} aria-current="page"{{/navKeys}}>{{>t.common.api_keys}}</a>{{/mayManageRoles}}
          {{#mayViewUsers}}<a href="/console/orgs/{{orgID}}/webhooks"{{#navWebhooks}} aria-current="page"{{/navWebhooks}}>{{>t.common.webhooks}}</a>{{/mayViewUsers}}
          {{#mayChangeSettings}}<a href="/console/orgs/{{orgID}}/settings"{{#navSettings}} aria-current="page"{{/navSettings}}>{{>t.common.settings}}</a>{{/mayChangeSettings}}
        </nav>
        """

    static let users = """
        <p class="crumb">{{>t.users.settings}}</p>
        <h1>{{>t.common.user_management}}</h1>
        {{{orgNav}}}
        <nav class="tabs" aria-label="{{>t.common.user_management}}">
          <a href="/console/orgs/{{orgID}}/users"{{^invitationsTab}} aria-current="page"{{/invitationsTab}}>{{>t.users.members}}</a>
          <a href="/console/orgs/{{orgID}}/users?tab=invitations"{{#invitationsTab}} aria-current="page"{{/invitationsTab}}>{{>t.users.invitations}}</a>
        </nav>
        {{#mayInvite}}
        <details class="menu"{{#typed}} open{{/typed}}>
          <summary>{{>t.users.add_user}}</summary>
          <form method="post" action="/console/orgs/{{orgID}}/invitations" class="card">
            <h2>{{>t.users.invite_by_email}} <span class="badge">{{>t.users.recommended}}</span></h2>
            <p class="hint">{{>t.users.they_get_a_link_that}}</p>
            <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="method" value="email">
            <label for="invite-email">{{>t.common.email}}</label><input id="invite-email" name="email" type="email" required{{#typed.invite}} value="{{typed.email}}"{{/typed.invite}}>
            <label for="invite-role">{{>t.common.role}}</label><select id="invite-role" name="role">{{#roles}}<option value="{{key}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/roles}}</select>
            <label for="invite-days">{{>t.users.expires_after_days_optional}}</label><input id="invite-days" name="expires_in_days" type="number" min="1" max="30"{{#typed.invite}} value="{{typed.days}}"{{/typed.invite}}>
            <button type="submit" class="primary">{{>t.users.send_invitation}}</button>
          </form>
          <form method="post" action="/console/orgs/{{orgID}}/invitations" class="card">
            <h2>{{>t.users.add_an_existing_user}}</h2>
            <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="method" value="existing_user">
            <label for="existing-email">{{>t.users.their_muster_email}}</label><input id="existing-email" name="email" type="email" required{{#typed.existing}} value="{{typed.email}}"{{/typed.existing}}>
            <label for="existing-role">{{>t.common.role}}</label><select id="existing-role" name="role">{{#roles}}<option value="{{key}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/roles}}</select>
            <button type="submit">{{>t.users.add_them}}</button>
          </form>
          {{#directCreate}}
          <form method="post" action="/console/orgs/{{orgID}}/users" class="card">
            <h2>{{>t.users.create_with_a_temporary_password}} <span class="badge legacy">{{>t.users.legacy}}</span></h2>
            <p class="hint">{{>t.users.only_where_email_links_cannot}}</p>
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label for="direct-email">{{>t.common.email}}</label><input id="direct-email" name="email" type="email" required{{#typed.direct}} value="{{typed.email}}"{{/typed.direct}}>
            <label for="direct-name">{{>t.common.full_name}}</label><input id="direct-name" name="full_name" required{{#typed.direct}} value="{{typed.fullName}}"{{/typed.direct}}>
            <label for="direct-role">{{>t.common.role}}</label><select id="direct-role" name="role">{{#roles}}<option value="{{key}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/roles}}</select>
            <button type="submit">{{>t.users.create_user}}</button>
          </form>
          {{/directCreate}}
        </details>
        {{/mayInvite}}
        {{#temporaryPassword}}<p class="secret" role="status">{{>t.users.temporary_password_for_shown_once}} <code id="temporary-password">{{password}}</code></p>{{/temporaryPassword}}
        {{^invitationsTab}}
        <table>
          <caption>{{>t.users.members}}</caption>
          <thead><tr><th scope="col">{{>t.common.email}}</th><th scope="col">{{>t.common.role}}</th><th scope="col">{{>t.users.extra_keys}}</th><th scope="col">{{>t.common.actions}}</th></tr></thead>
          <tbody>
          {{#members}}
          <tr>
            <td>{{email}}</td><td>{{role}}</td><td>{{grants}}{{^grants}}—{{/grants}}</td>
            <td class="actions">
              {{#mayManageRoles}}
              <form method="post" action="/console/orgs/{{orgID}}/members/{{userID}}/role"><input type="hidden" name="csrf" value="{{csrf}}">
                <label for="role-{{userID}}" class="sr">{{>t.users.role_for}}</label>
                <select id="role-{{userID}}" name="role">{{#roleChoices}}<option value="{{key}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/roleChoices}}</select>
                <button type="submit">{{>t.users.change_role}}</button></form>
              <form method="post" action="/console/orgs/{{orgID}}/members/{{userID}}/grants"><input type="hidden" name="csrf" value="{{csrf}}">
                <label for="key-{{userID}}" class="sr">{{>t.users.permission_key_for}}</label>
                <select id="key-{{userID}}" name="key">{{#keys}}<option value="{{.}}">{{.}}</option>{{/keys}}</select>
                <button type="submit" name="change" value="grant">{{>t.users.grant}}</button> <button type="submit" name="change" value="withdraw">{{>t.users.withdraw}}</button></form>
              {{/mayManageRoles}}
              {{#mayResetPassword}}<form method="post" action="/console/orgs/{{orgID}}/members/{{userID}}/reset-password"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{>t.users.reset_password}}</button></form>{{/mayResetPassword}}
              {{#mayManageRoles}}<form method="post" action="/console/orgs/{{orgID}}/members/{{userID}}/remove" data-confirm="{{>t.users.remove_from_the_organisation}}"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">{{>t.users.remove}}</button></form>{{/mayManageRoles}}
            </td>
          </tr>
          {{/members}}
          </tbody>
        </table>
        {{/invitationsTab}}
        {{#invitationsTab}}
        <form method="get" action="/console/orgs/{{orgID}}/users" class="filter">
          <input type="hidden" name="tab" value="invitations">
          <label for="status">{{>t.common.status}}</label>
          <select id="status" name="status">{{#statuses}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statuses}}</select>
          <button type="submit">{{>t.common.filter}}</button>
        </form>
        <table>
          <caption>{{>t.users.invitations}}</caption>
          <thead><tr><th scope="col">{{>t.common.email}}</th><th scope="col">{{>t.common.role}}</th><th scope="col">{{>t.common.status}}</th><th scope="col">{{>t.users.invited}}</th><th scope="col">{{>t.users.since}}</th><th scope="col">{{>t.common.actions}}</th></tr></thead>
          <tbody>
          {{#invitations}}
          <tr data-email="{{email}}">
            <td>{{email}}</td><td>{{role}}</td><td class="status">{{status}}</td>
            <td class="invited">{{>t.users.by}}{{#reinvite}}<br><span class="hint">{{>t.users.invited_again}}</span>{{/reinvite}}</td>
            <td class="since">
              {{#accepted}}{{>t.users.accepted}}{{#by}} {{>t.users.by_2}}{{/by}}{{/accepted}}
              {{#revoked}}{{>t.users.revoked_by}}{{#reason}}<br><span class="reason">{{>t.users.reason}}</span>{{/reason}}{{/revoked}}
              {{#expiresAt}}<span class="expires">{{#pending}}{{>t.users.expires}}{{/pending}}{{^pending}}{{>t.users.expired}}{{/pending}} {{expiresAt}}</span>{{/expiresAt}}
              {{#resent}}<br><span class="hint">{{>t.users.resent_last}}</span>{{/resent}}
            </td>
            <td class="actions">
              {{#pending}}
              {{#mayResend}}<form method="post" action="/console/orgs/{{orgID}}/invitations/{{id}}/resend"><input type="hidden" name="csrf" value="{{csrf}}">
                <button type="submit">{{>t.users.resend}}</button> <span class="hint">{{resendHint}}</span></form>{{/mayResend}}
              {{#mayRevoke}}<details><summary>{{>t.common.revoke}}</summary>
                <form method="post" action="/console/orgs/{{orgID}}/invitations/{{id}}/revoke" class="revoke" data-confirm="{{>t.users.revoke_the_invitation_of_their}}"><input type="hidden" name="csrf" value="{{csrf}}">
                  <label for="reason-{{id}}">{{>t.users.reason_optional_shown_to_staff}}</label>
                  <textarea id="reason-{{id}}" name="reason" maxlength="500" data-counter="count-{{id}}"></textarea>
                  <span id="count-{{id}}" class="hint" aria-live="polite">0 / 500</span>
                  <button type="submit" class="danger">{{>t.users.revoke_invitation}}</button></form>
              </details>{{/mayRevoke}}
              {{/pending}}
              {{#canReinvite}}{{#mayInvite}}
              <form method="post" action="/console/orgs/{{orgID}}/invitations/{{id}}/reinvite"><input type="hidden" name="csrf" value="{{csrf}}">
                <button type="submit" class="reinvite">{{>t.users.invite_again}}</button></form>
              {{/mayInvite}}{{/canReinvite}}
            </td>
          </tr>
          {{/invitations}}
          {{^invitations}}<tr><td colspan="6">{{>t.users.no_invitations}}</td></tr>{{/invitations}}
          </tbody>
        </table>
        {{/invitationsTab}}
        """

    static let tenants = """
        <p class="crumb">{{orgName}}</p>
        <h1>{{>t.common.tenants}}</h1>
        {{{orgNav}}}
        <form method="post" action="/console/orgs/{{orgID}}/tenants" class="card">
          <h2>{{>t.tenants.new_tenant}}</h2>
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="tenant-name">{{>t.common.name}}</label><input id="tenant-name" name="name" required>
          <label for="tenant-reference">{{>t.tenants.reference_optional}}</label><input id="tenant-reference" name="reference">
          <button type="submit" class="primary">{{>t.tenants.create_tenant}}</button>
        </form>
        <ul class="list">
        {{#tenants}}<li><a href="/console/orgs/{{orgID}}/tenants/{{id}}">{{name}}</a> {{#reference}}<span class="hint">{{reference}}</span>{{/reference}}</li>{{/tenants}}
        {{^tenants}}<li>{{>t.tenants.no_tenants_yet}}</li>{{/tenants}}
        </ul>
        """

    static let team = """
        <p class="crumb"><a href="/console/orgs/{{orgID}}/tenants">{{>t.team.tenants}}</a></p>
        <h1>{{tenantName}}</h1>
        <nav class="tabs" aria-label="{{>t.team.case}}"><a href="/console/orgs/{{orgID}}/tenants/{{tenantID}}" aria-current="page">{{>t.team.team}}</a> <a href="/console/orgs/{{orgID}}/tenants/{{tenantID}}/case">{{>t.team.workspace}}</a></nav>
        <table>
          <caption>{{>t.team.team}}</caption>
          <thead><tr><th scope="col">{{>t.common.who}}</th><th scope="col">{{>t.team.mode}}</th><th scope="col">{{>t.common.status}}</th><th scope="col">{{>t.common.actions}}</th></tr></thead>
          <tbody>
          {{#team}}
          <tr data-who="{{who}}">
            <td>{{who}}{{#contactLine}}<br><span class="hint">{{contactLine}}</span>{{/contactLine}}</td><td>{{mode}}</td><td class="status">{{status}}</td>
            <td class="actions">
              {{#active}}<form method="post" action="/console/orgs/{{orgID}}/tenants/{{tenantID}}/collaborators/{{id}}/end" data-confirm="{{>t.team.end_the_assignment_of_they}}"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">{{>t.team.end}}</button></form>{{/active}}
              {{#editable}}<details><summary>{{>t.team.edit_contact_card}}</summary>
                <form method="post" action="/console/orgs/{{orgID}}/tenants/{{tenantID}}/collaborators/{{id}}/contact"><input type="hidden" name="csrf" value="{{csrf}}">
                  <label for="cn-{{id}}">{{>t.team.contact_name}}</label><input id="cn-{{id}}" name="contact_name" value="{{contactName}}" required>
                  <label for="ce-{{id}}">{{>t.team.contact_email}}</label><input id="ce-{{id}}" name="contact_email" type="email" value="{{contactEmail}}">
                  <label for="cp-{{id}}">{{>t.team.contact_phone}}</label><input id="cp-{{id}}" name="contact_phone" value="{{contactPhone}}">
                  <label for="co-{{id}}">{{>t.team.organisation}}</label><input id="co-{{id}}" name="contact_organisation_name" value="{{contactOrganisation}}">
                  <label for="cr-{{id}}">{{>t.team.role_label}}</label><input id="cr-{{id}}" name="contact_role_label" value="{{contactRole}}">
                  <button type="submit">{{>t.team.save_contact_card}}</button></form></details>{{/editable}}
            </td>
          </tr>
          {{/team}}
          {{^team}}<tr><td colspan="4">{{>t.team.nobody_is_assigned_yet}}</td></tr>{{/team}}
          </tbody>
        </table>
        <details class="menu" open>
          <summary>{{>t.team.invite_a_support_worker}}</summary>
          <form method="post" action="/console/orgs/{{orgID}}/tenants/{{tenantID}}/collaborators" class="card" id="invite-collaborator">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <fieldset><legend>{{>t.team.participation_mode}}</legend>
              <label><input type="radio" name="mode" value="full" checked> {{>t.team.full_reads_and_writes_the}}</label>
              <label><input type="radio" name="mode" value="context_only"> {{>t.team.context_only_reads_goals_shared}}</label>
              <label><input type="radio" name="mode" value="reference_only"> {{>t.team.reference_only_a_contact_card}}</label>
            </fieldset>
            <div data-modes="full context_only">
              <label for="c-email">{{>t.common.email}}</label><input id="c-email" name="email" type="email">
              <label for="c-name">{{>t.common.full_name}}</label><input id="c-name" name="full_name">
            </div>
            <div data-modes="reference_only">
              <label for="c-contact-name">{{>t.team.contact_name}}</label><input id="c-contact-name" name="contact_name">
              <label for="c-contact-email">{{>t.team.contact_email}}</label><input id="c-contact-email" name="contact_email" type="email">
              <label for="c-contact-phone">{{>t.team.contact_phone}}</label><input id="c-contact-phone" name="contact_phone">
              <label for="c-contact-org">{{>t.team.organisation_optional}}</label><input id="c-contact-org" name="contact_organisation_name">
              <label for="c-contact-role">{{>t.team.role_label_optional}}</label><input id="c-contact-role" name="contact_role_label">
            </div>
            <label><input type="checkbox" name="override_cap" value="true"> {{>t.team.override_the_caseload_cap}}</label>
            <button type="submit" class="primary">{{>t.team.invite}}</button>
          </form>
        </details>
        """

    static let caseload = """
        <h1>{{>t.common.your_caseload}}</h1>
        <ul class="list">
        {{#entries}}<li><a href="/console/orgs/{{orgID}}/tenants/{{tenantID}}/case">{{tenantName}}</a> <span class="hint">{{>t.caseload.since}}</span></li>{{/entries}}
        {{^entries}}<li id="empty">{{>t.caseload.no_cases_are_assigned_to}}</li>{{/entries}}
        </ul>
        """

    static let caseView = """
        <p class="crumb">{{orgName}}</p>
        <h1>{{tenantName}}</h1>
        <p class="hint" id="mode">{{viewAs}}</p>
        {{#showSummary}}<section id="summary"><h2>{{>t.case.summary}}</h2>
          {{#contextSummary}}<p>{{text}}</p><p class="hint">{{by}}, {{at}}</p>{{/contextSummary}}{{^contextSummary}}<p>{{>t.case.no_summary_yet}}</p>{{/contextSummary}}
          {{#canWriteSummary}}<details><summary>{{>t.case.edit_the_summary}}</summary><form method="post" action="/console/orgs/{{orgID}}/tenants/{{tenantID}}/summary"><input type="hidden" name="csrf" value="{{csrf}}">
            <label for="summary-text">{{>t.case.summary}}</label><textarea id="summary-text" name="text" required>{{#contextSummary}}{{text}}{{/contextSummary}}</textarea><button type="submit">{{>t.case.save_summary}}</button></form></details>{{/canWriteSummary}}
        </section>{{/showSummary}}
        {{#showGoals}}<section id="goals"><h2>{{>t.case.goals}}</h2><ul class="list">{{#goals}}<li><strong>{{title}}</strong>{{#detail}} — {{detail}}{{/detail}} <span class="hint">{{by}}, {{at}}</span></li>{{/goals}}{{^goals}}<li>{{>t.case.no_goals}}</li>{{/goals}}</ul>
          {{#canWriteGoals}}<form method="post" action="/console/orgs/{{orgID}}/tenants/{{tenantID}}/goals"><input type="hidden" name="csrf" value="{{csrf}}">
            <label for="goal-title">{{>t.case.new_goal}}</label><input id="goal-title" name="title" required maxlength="200">
            <label for="goal-detail">{{>t.case.detail_optional}}</label><textarea id="goal-detail" name="detail"></textarea><button type="submit">{{>t.case.add_goal}}</button></form>{{/canWriteGoals}}
        </section>{{/showGoals}}
        {{#showSessions}}<section id="sessions"><h2>{{>t.case.sessions}}</h2><ul class="list">{{#sessions}}<li><strong>{{when}}</strong> {{summary}} <span class="hint">{{by}}</span></li>{{/sessions}}{{^sessions}}<li>{{>t.case.no_sessions}}</li>{{/sessions}}</ul>
          {{#canRecordSessions}}<form method="post" action="/console/orgs/{{orgID}}/tenants/{{tenantID}}/sessions"><input type="hidden" name="csrf" value="{{csrf}}">
            <label for="session-when">{{>t.case.when_utc}}</label><input id="session-when" name="occurred_at" type="datetime-local" required>
            <label for="session-summary">{{>t.common.what_happened}}</label><textarea id="session-summary" name="summary" required></textarea><button type="submit">{{>t.case.record_session}}</button></form>{{/canRecordSessions}}
        </section>{{/showSessions}}
        {{#showNotes}}<section id="notes"><h2>{{>t.case.notes}}</h2><ul class="list">{{#notes}}<li><strong>{{kind}}</strong> {{body}} <span class="hint">{{by}}, {{at}}</span></li>{{/notes}}{{^notes}}<li>{{>t.case.no_notes}}</li>{{/notes}}</ul>
          {{#canWriteNotes}}<form method="post" action="/console/orgs/{{orgID}}/tenants/{{tenantID}}/notes"><input type="hidden" name="csrf" value="{{csrf}}">
            <label for="note">{{>t.case.new_shared_note}}</label><textarea id="note" name="body" required></textarea><button type="submit">{{>t.case.add_note}}</button></form>{{/canWriteNotes}}
          {{#canWriteProfessional}}<form method="post" action="/console/orgs/{{orgID}}/tenants/{{tenantID}}/notes"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="kind" value="professional">
            <label for="pro-note">{{>t.case.new_professional_note_staff_only}}</label><textarea id="pro-note" name="body" required></textarea><button type="submit">{{>t.case.add_professional_note}}</button></form>{{/canWriteProfessional}}
        </section>{{/showNotes}}
        {{#showDocuments}}<section id="documents"><h2>{{>t.case.documents}}</h2><ul class="list">{{#documents}}<li>{{name}} <span class="hint">{{type}}, {{size}} · {{by}}, {{at}}</span></li>{{/documents}}{{^documents}}<li>{{>t.case.no_documents}}</li>{{/documents}}</ul>
          {{#canWriteDocuments}}<details><summary>{{>t.case.record_a_document}}</summary><form method="post" action="/console/orgs/{{orgID}}/tenants/{{tenantID}}/documents"><input type="hidden" name="csrf" value="{{csrf}}">
            <p class="hint">{{>t.case.muster_keeps_what_a_document}}</p>
            <label for="doc-name">{{>t.common.name}}</label><input id="doc-name" name="name" required>
            <label for="doc-type">{{>t.case.type}}</label><input id="doc-type" name="content_type" value="application/pdf" required>
            <label for="doc-size">{{>t.case.size_in_bytes}}</label><input id="doc-size" name="size_bytes" type="number" min="0" required>
            <label for="doc-checksum">{{>t.case.checksum}}</label><input id="doc-checksum" name="checksum" placeholder="sha256:…" required>
            <button type="submit">{{>t.case.record_document}}</button></form></details>{{/canWriteDocuments}}
        </section>{{/showDocuments}}
        """

    static let settings = """
        <p class="crumb">{{orgName}}</p>
        <h1>{{>t.common.settings}}</h1>
        {{{orgNav}}}
        <form method="post" action="/console/orgs/{{orgID}}/settings" class="card settings">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <label for="org-name">{{>t.settings.organisation_name}}</label><input id="org-name" name="name" value="{{form.name}}" required maxlength="200">
          <label for="org-days">{{>t.settings.invitations_last_days}}</label>
          <input id="org-days" name="invitation_lifetime_days" type="number" min="1" max="30" value="{{form.days}}" placeholder="{{defaultDays}}">
          <p class="hint">{{>t.settings.leave_blank_for_the_deployment}}</p>
          <label for="org-domains">{{>t.settings.allowed_email_domains}}</label>
          <textarea id="org-domains" name="allowed_email_domains" rows="3" placeholder="example.org">{{form.domains}}</textarea>
          <p class="hint">{{>t.settings.one_per_line_people_can}}</p>
          <label for="org-locale">{{>t.settings.language_of_emails_and_pages}}</label>
          <select id="org-locale" name="default_locale">{{#languages}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/languages}}</select>
          <label for="org-reply">{{>t.settings.replies_to_the_organisation_s}}</label>
          <input id="org-reply" name="reply_to_email" type="email" value="{{form.replyTo}}" placeholder="office@example.org">
          <label for="org-origins">{{>t.settings.after_accepting_invitations_may_send}}</label>
          <textarea id="org-origins" name="allowed_redirect_origins" rows="3" placeholder="https://app.example.org">{{form.origins}}</textarea>
          <p class="hint">{{>t.settings.one_site_per_line_such}}</p>
          <label for="org-logo">{{>t.settings.logo_an_https_address}}</label>
          <input id="org-logo" name="logo_url" type="url" value="{{form.logo}}" placeholder="https://example.org/logo.png">
          <label for="org-colour">{{>t.settings.accent_colour}}</label>
          <input id="org-colour" name="accent_colour" value="{{form.colour}}" placeholder="#1d70b8" pattern="#[0-9a-fA-F]{6}">
          <button type="submit" class="primary">{{>t.settings.save_settings}}</button>
        </form>
        """

    static let audit = """
        <p class="crumb">{{orgName}}</p>
        <h1>{{>t.common.audit_trail}}</h1>
        {{{orgNav}}}
        <form method="get" action="/console/orgs/{{orgID}}/audit" class="filter">
          <label for="action">{{>t.common.event}}</label>
          <select id="action" name="action"><option value="">{{>t.audit.all_events}}</option>
            {{#kindGroups}}<optgroup label="{{label}}">{{#kinds}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/kinds}}</optgroup>{{/kindGroups}}
          </select>
          <label for="actor">{{>t.common.who}}</label>
          <select id="actor" name="actor"><option value="">{{>t.audit.anyone}}</option>
            {{#actors}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/actors}}
          </select>
          <button type="submit">{{>t.common.filter}}</button>
        </form>
        <table class="audit"><caption>{{>t.audit.newest_first}}</caption>
          <thead><tr><th scope="col">{{>t.common.when}}</th><th scope="col">{{>t.common.what_happened}}</th><th scope="col">{{>t.common.event}}</th></tr></thead>
          <tbody>{{#entries}}<tr><td>{{at}}</td><td><strong>{{actor}}</strong> {{what}}</td><td>{{kind}}</td></tr>{{/entries}}
          {{^entries}}<tr><td colspan="3">{{>t.audit.nothing_recorded_matches}}</td></tr>{{/entries}}</tbody>
        </table>
        <nav class="pager" aria-label="{{>t.audit.pages}}">{{#newest}}<a href="{{newest}}">{{>t.audit.newest}}</a> {{/newest}}{{#older}}<a href="{{older}}" rel="next">{{>t.audit.older}}</a>{{/older}}</nav>
        """

    static let keys = """
        <p class="crumb">{{orgName}}</p>
        <h1>{{>t.common.api_keys}}</h1>
        {{{orgNav}}}
        {{#secret}}<p class="secret" role="status">{{>t.keys.the_key_s_secret_shown}} <code id="new-secret">{{secret}}</code></p>{{/secret}}
        <form method="post" action="/console/orgs/{{orgID}}/api-keys" class="card">
          <h2>{{>t.keys.new_key}}</h2><input type="hidden" name="csrf" value="{{csrf}}">
          <label for="key-name">{{>t.common.name}}</label><input id="key-name" name="name" required>
          <label for="key-role">{{>t.common.role}}</label><select id="key-role" name="role">{{#roles}}<option value="{{key}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/roles}}</select>
          <button type="submit" class="primary">{{>t.keys.create_key}}</button>
        </form>
        <table><caption>{{>t.keys.keys}}</caption>
          <thead><tr><th scope="col">{{>t.common.name}}</th><th scope="col">{{>t.common.role}}</th><th scope="col">{{>t.keys.created}}</th><th scope="col">{{>t.keys.last_used}}</th><th scope="col">{{>t.common.actions}}</th></tr></thead>
          <tbody>{{#keyRows}}<tr><td>{{name}}</td><td>{{role}}</td><td>{{createdAt}}</td><td>{{lastUsed}}</td>
            <td>{{#active}}<form method="post" action="/console/orgs/{{orgID}}/api-keys/{{id}}/revoke"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">{{>t.common.revoke}}</button></form>{{/active}}{{^active}}{{>t.keys.revoked}}{{/active}}</td></tr>{{/keyRows}}</tbody>
        </table>
        """

    static let webhooks = """
        <p class="crumb">{{orgName}}</p>
        <h1>{{>t.common.webhooks}}</h1>
        {{{orgNav}}}
        {{#secret}}<p class="secret" role="status">{{>t.webhooks.the_signing_secret_of_shown}} <code id="webhook-secret">{{secret}}</code></p>{{/secret}}
        <details class="menu"{{#error}} open{{/error}}><summary>{{>t.webhooks.add_a_webhook}}</summary>
          <form method="post" action="/console/orgs/{{orgID}}/webhooks" class="card">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label for="hook-url">{{>t.webhooks.endpoint}}</label><input id="hook-url" name="url" type="url" required value="{{typed.url}}" placeholder="https://hooks.example.org/muster">
            <label for="hook-description">{{>t.webhooks.description_optional}}</label><input id="hook-description" name="description" maxlength="200" value="{{typed.description}}">
            <fieldset><legend>{{>t.webhooks.events_none_ticked_every_event}}</legend>
              {{#kindGroups}}<p><strong>{{label}}</strong><br>{{#kinds}}<label class="inline"><input type="checkbox" name="event_types" value="{{value}}"{{#checked}} checked{{/checked}}> {{label}}</label> {{/kinds}}</p>{{/kindGroups}}
            </fieldset>
            <button type="submit" class="primary">{{>t.webhooks.add_webhook}}</button>
          </form>
        </details>
        {{#hooks}}
        <section class="card webhook" data-url="{{url}}"><h2>{{url}}</h2>
          <p>{{#active}}{{>t.webhooks.active}}{{/active}}{{paused}} · {{types}}{{#description}} · {{description}}{{/description}} {{>t.webhooks.added}}</p>
          {{#graces}}<p class="hint">{{>t.webhooks.the_previous_secret_also_signs}}</p>{{/graces}}
          <div class="actions">
            {{#active}}<form method="post" action="/console/orgs/{{orgID}}/webhooks/{{id}}/pause" class="inline"><input type="hidden" name="csrf" value="{{csrf}}">
              <label for="reason-{{id}}" class="sr">{{>t.webhooks.why_pause}}</label><input id="reason-{{id}}" name="reason" placeholder="{{>t.webhooks.why_optional}}"> <button type="submit">{{>t.webhooks.pause}}</button></form>{{/active}}
            {{^active}}<form method="post" action="/console/orgs/{{orgID}}/webhooks/{{id}}/resume" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{>t.webhooks.resume}}</button></form>{{/active}}
            <form method="post" action="/console/orgs/{{orgID}}/webhooks/{{id}}/ping" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{>t.webhooks.send_a_test_event}}</button></form>
            <form method="post" action="/console/orgs/{{orgID}}/webhooks/{{id}}/rotate" class="inline" data-confirm="{{>t.webhooks.make_a_new_signing_secret}}"><input type="hidden" name="csrf" value="{{csrf}}">
              <label for="grace-{{id}}">{{>t.webhooks.old_secret_keeps_signing_for}}</label>
              <select id="grace-{{id}}" name="grace_hours"><option value="0">{{>t.webhooks.no_time}}</option><option value="1">{{>t.webhooks.1_hour}}</option><option value="24" selected>{{>t.webhooks.24_hours}}</option><option value="168">{{>t.webhooks.a_week}}</option></select>
              <button type="submit">{{>t.webhooks.rotate_secret}}</button></form>
            <form method="post" action="/console/orgs/{{orgID}}/webhooks/{{id}}/delete" class="inline" data-confirm="{{>t.webhooks.delete_the_webhook_to_deliveries}}"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">{{>t.webhooks.delete}}</button></form>
          </div>
          <details><summary>{{>t.webhooks.edit}}</summary>
            <form method="post" action="/console/orgs/{{orgID}}/webhooks/{{id}}/edit"><input type="hidden" name="csrf" value="{{csrf}}">
              <label for="url-{{id}}">{{>t.webhooks.endpoint}}</label><input id="url-{{id}}" name="url" type="url" value="{{url}}" required>
              <label for="desc-{{id}}">{{>t.webhooks.description}}</label><input id="desc-{{id}}" name="description" value="{{description}}" maxlength="200">
              <p class="hint">{{>t.webhooks.events_the_ones_ticked_now}}</p>
              {{#editGroups}}<p><strong>{{label}}</strong><br>{{#kinds}}<label class="inline"><input type="checkbox" name="event_types" value="{{value}}"{{#checked}} checked{{/checked}}> {{label}}</label> {{/kinds}}</p>{{/editGroups}}
              <button type="submit">{{>t.webhooks.save_webhook}}</button></form>
          </details>
          <table><caption>{{>t.webhooks.latest_deliveries}}</caption>
            <thead><tr><th scope="col">{{>t.common.when}}</th><th scope="col">{{>t.common.event}}</th><th scope="col">{{>t.webhooks.outcome}}</th><th scope="col">{{>t.webhooks.attempt}}</th><th scope="col">{{>t.webhooks.answer}}</th><th scope="col">{{>t.webhooks.took}}</th></tr></thead>
            <tbody>{{#deliveries}}<tr><td>{{at}}</td><td>{{event}}</td><td>{{outcome}}</td><td>{{attempt}}</td><td>{{answer}}</td><td>{{took}}</td></tr>{{/deliveries}}{{^deliveries}}<tr><td colspan="6">{{>t.webhooks.none_yet}}</td></tr>{{/deliveries}}</tbody>
          </table>
        </section>
        {{/hooks}}
        {{^hooks}}<p>{{>t.webhooks.no_webhooks_yet}}</p>{{/hooks}}
        """
}
