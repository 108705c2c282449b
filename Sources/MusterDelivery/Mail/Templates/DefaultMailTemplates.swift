/// The emails Muster ships, in English (`en`) and Welsh (`cy`): for each kind a subject, a
/// plain-text body and an HTML body, as Mustache templates. A deployment's template folder
/// replaces any of them, or adds a language (see `docs/CONSOLE.md`, "Emails").
enum DefaultMailTemplates {
    /// `locale → template name → source`, the names as ``MailTemplateName`` spells them.
    static let all: [String: [String: String]] = ["en": english, "cy": welsh]

    static let english: [String: String] = [
        "invitation.subject": "{{#resent}}Reminder: {{/resent}}You've been invited to {{org_name}} as {{role}}",
        "invitation.text": """
        Hello,

        {{#inviter}}{{inviter}} has invited you{{/inviter}}{{^inviter}}You've been invited{{/inviter}} to {{org_name}} as {{role}}.

        To accept, open this link and confirm:
        {{link}}

        The link works once and expires {{expires_in}} ({{expires_at}}). If you did not expect this invitation, you can ignore this email.
        {{#reply_to}}

        Questions? Reply to this email to reach {{org_name}}.
        {{/reply_to}}
        """,
        "invitation.html": """
        {{#logo_url}}<p><img src="{{logo_url}}" alt="{{org_name}}" height="48"></p>{{/logo_url}}
        <p>Hello,</p>
        <p>{{#inviter}}{{inviter}} has invited you{{/inviter}}{{^inviter}}You've been invited{{/inviter}} to <strong>{{org_name}}</strong> as {{role}}.</p>
        <p><a href="{{link}}" style="display:inline-block;padding:10px 18px;background:{{accent_colour}};color:#ffffff;text-decoration:none;border-radius:4px">Review and accept the invitation</a></p>
        <p>The link works once and expires {{expires_in}} ({{expires_at}}). If you did not expect this invitation, you can ignore this email.</p>
        {{#reply_to}}<p>Questions? Reply to this email to reach {{org_name}}.</p>{{/reply_to}}
        """,
        "collaborator_invitation.subject": "You've been invited to {{org_name}} as {{mode}}",
        "collaborator_invitation.text": """
        Hello {{recipient_name}},

        You've been invited to {{org_name}} as {{mode}}, to work on a tenant's case.

        Sign in through this link to see the case:
        {{link}}

        The link works once and expires {{expires_in}} ({{expires_at}}). If you did not expect this, you can ignore this email.
        {{#reply_to}}

        Questions? Reply to this email to reach {{org_name}}.
        {{/reply_to}}
        """,
        "collaborator_invitation.html": """
        {{#logo_url}}<p><img src="{{logo_url}}" alt="{{org_name}}" height="48"></p>{{/logo_url}}
        <p>Hello {{recipient_name}},</p>
        <p>You've been invited to <strong>{{org_name}}</strong> as {{mode}}, to work on a tenant's case.</p>
        <p><a href="{{link}}" style="display:inline-block;padding:10px 18px;background:{{accent_colour}};color:#ffffff;text-decoration:none;border-radius:4px">Sign in and see the case</a></p>
        <p>The link works once and expires {{expires_in}} ({{expires_at}}). If you did not expect this, you can ignore this email.</p>
        {{#reply_to}}<p>Questions? Reply to this email to reach {{org_name}}.</p>{{/reply_to}}
        """,
        "sign_in_link.subject": "Your Muster sign-in link",
        "sign_in_link.text": """
        Hello{{#recipient_name}} {{recipient_name}}{{/recipient_name}},

        Sign in to Muster with this link:
        {{link}}

        The link works once and expires {{expires_in}}. If you did not ask to sign in, you can ignore this email.
        """,
        "sign_in_link.html": """
        <p>Hello{{#recipient_name}} {{recipient_name}}{{/recipient_name}},</p>
        <p><a href="{{link}}" style="display:inline-block;padding:10px 18px;background:{{accent_colour}};color:#ffffff;text-decoration:none;border-radius:4px">Sign in to Muster</a></p>
        <p>The link works once and expires {{expires_in}}. If you did not ask to sign in, you can ignore this email.</p>
        """,
    ]

    static let welsh: [String: String] = [
        "invitation.subject": "{{#resent}}Nodyn atgoffa: {{/resent}}Rydych wedi cael gwahoddiad i {{org_name}} fel {{role}}",
        "invitation.text": """
        Helo,

        {{#inviter}}Mae {{inviter}} wedi eich gwahodd{{/inviter}}{{^inviter}}Rydych wedi cael gwahoddiad{{/inviter}} i {{org_name}} fel {{role}}.

        I dderbyn, agorwch y ddolen hon a chadarnhau:
        {{link}}

        Mae'r ddolen yn gweithio unwaith ac yn dod i ben {{expires_in}} ({{expires_at}}). Os nad oeddech yn disgwyl y gwahoddiad hwn, gallwch anwybyddu'r e-bost hwn.
        {{#reply_to}}

        Cwestiynau? Atebwch yr e-bost hwn i gysylltu â {{org_name}}.
        {{/reply_to}}
        """,
        "invitation.html": """
        {{#logo_url}}<p><img src="{{logo_url}}" alt="{{org_name}}" height="48"></p>{{/logo_url}}
        <p>Helo,</p>
        <p>{{#inviter}}Mae {{inviter}} wedi eich gwahodd{{/inviter}}{{^inviter}}Rydych wedi cael gwahoddiad{{/inviter}} i <strong>{{org_name}}</strong> fel {{role}}.</p>
        <p><a href="{{link}}" style="display:inline-block;padding:10px 18px;background:{{accent_colour}};color:#ffffff;text-decoration:none;border-radius:4px">Gweld a derbyn y gwahoddiad</a></p>
        <p>Mae'r ddolen yn gweithio unwaith ac yn dod i ben {{expires_in}} ({{expires_at}}). Os nad oeddech yn disgwyl y gwahoddiad hwn, gallwch anwybyddu'r e-bost hwn.</p>
        {{#reply_to}}<p>Cwestiynau? Atebwch yr e-bost hwn i gysylltu â {{org_name}}.</p>{{/reply_to}}
        """,
        "collaborator_invitation.subject": "Rydych wedi cael gwahoddiad i {{org_name}} fel {{mode}}",
        "collaborator_invitation.text": """
        Helo {{recipient_name}},

        Rydych wedi cael gwahoddiad i {{org_name}} fel {{mode}}, i weithio ar achos tenant.

        Mewngofnodwch drwy'r ddolen hon i weld yr achos:
        {{link}}

        Mae'r ddolen yn gweithio unwaith ac yn dod i ben {{expires_in}} ({{expires_at}}). Os nad oeddech yn disgwyl hyn, gallwch anwybyddu'r e-bost hwn.
        {{#reply_to}}

        Cwestiynau? Atebwch yr e-bost hwn i gysylltu â {{org_name}}.
        {{/reply_to}}
        """,
        "collaborator_invitation.html": """
        {{#logo_url}}<p><img src="{{logo_url}}" alt="{{org_name}}" height="48"></p>{{/logo_url}}
        <p>Helo {{recipient_name}},</p>
        <p>Rydych wedi cael gwahoddiad i <strong>{{org_name}}</strong> fel {{mode}}, i weithio ar achos tenant.</p>
        <p><a href="{{link}}" style="display:inline-block;padding:10px 18px;background:{{accent_colour}};color:#ffffff;text-decoration:none;border-radius:4px">Mewngofnodi a gweld yr achos</a></p>
        <p>Mae'r ddolen yn gweithio unwaith ac yn dod i ben {{expires_in}} ({{expires_at}}). Os nad oeddech yn disgwyl hyn, gallwch anwybyddu'r e-bost hwn.</p>
        {{#reply_to}}<p>Cwestiynau? Atebwch yr e-bost hwn i gysylltu â {{org_name}}.</p>{{/reply_to}}
        """,
        "sign_in_link.subject": "Eich dolen mewngofnodi Muster",
        "sign_in_link.text": """
        Helo{{#recipient_name}} {{recipient_name}}{{/recipient_name}},

        Mewngofnodwch i Muster gyda'r ddolen hon:
        {{link}}

        Mae'r ddolen yn gweithio unwaith ac yn dod i ben {{expires_in}}. Os na wnaethoch ofyn am gael mewngofnodi, gallwch anwybyddu'r e-bost hwn.
        """,
        "sign_in_link.html": """
        <p>Helo{{#recipient_name}} {{recipient_name}}{{/recipient_name}},</p>
        <p><a href="{{link}}" style="display:inline-block;padding:10px 18px;background:{{accent_colour}};color:#ffffff;text-decoration:none;border-radius:4px">Mewngofnodi i Muster</a></p>
        <p>Mae'r ddolen yn gweithio unwaith ac yn dod i ben {{expires_in}}. Os na wnaethoch ofyn am gael mewngofnodi, gallwch anwybyddu'r e-bost hwn.</p>
        """,
    ]
}
