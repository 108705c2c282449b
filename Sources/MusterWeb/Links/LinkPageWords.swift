import MusterDomain
import MusterWords

/// The words of the pages an email's link opens, in English and Welsh — the languages the
/// emails ship in, with the same role, mode and date words (``MailWords``).
///
/// A page is in the invitation's own language, else the first of the browser's
/// `Accept-Language` that Muster has, else the org's, else the deployment's.
struct LinkPageWords: Sendable {
    /// The page's `lang`.
    let language: String
    let mail: MailWords
    let join: @Sendable (_ org: String) -> String
    let invited: @Sendable (_ org: String, _ role: String, _ email: String) -> String
    let invitationExpires: @Sendable (_ date: String) -> String
    let accept: String
    let welcome: @Sendable (_ org: String) -> String
    let joined: @Sendable (_ role: String, _ email: String) -> String
    let next: String
    let signInHeading: String
    let signInLink: String
    let caseHeading: @Sendable (_ org: String) -> String
    let caseInvited: @Sendable (_ org: String, _ mode: String) -> String
    let linkExpires: @Sendable (_ date: String) -> String
    let signIn: String
    let signedInHeading: String
    let signedInAs: @Sendable (_ email: String) -> String
    let caseAccess: @Sendable (_ org: String, _ mode: String) -> String
    let goToSignIn: String
    let skip: String
    /// A link that no longer works: its heading and what to do.
    let refusal: @Sendable (_ code: DomainError.Code?) -> (heading: String, text: String)

    /// The words for the first of `choices` Muster has pages in, else English.
    static func choose(_ choices: [LocaleTag?]) -> LinkPageWords {
        Language.first(of: choices) == .welsh ? welsh : english
    }

    /// The console's words in the same language, for what the link pages share with it.
    var console: ConsoleText { language == Language.welsh.rawValue ? .welsh : .english }

    static let english = LinkPageWords(
        language: "en",
        mail: .english,
        join: { "Join \($0)" },
        invited: { org, role, email in "You've been invited to \(org) as \(role), as \(email)." },
        invitationExpires: { "The invitation expires on \($0)." },
        accept: "Accept and sign in",
        welcome: { "Welcome to \($0)" },
        joined: { role, email in "You've joined as \(role), signed in as \(email)." },
        next: "Continue",
        signInHeading: "Sign in to Muster",
        signInLink: "This link signs you in to Muster.",
        caseHeading: { "Work on a case with \($0)" },
        caseInvited: { org, mode in "\(org) has invited you to work on a tenant's case as \(mode)." },
        linkExpires: { "The link expires on \($0)." },
        signIn: "Sign in",
        signedInHeading: "You're signed in",
        signedInAs: { "Signed in as \($0)." },
        caseAccess: { org, mode in "You now have access to a case at \(org), as \(mode)." },
        goToSignIn: "Go to sign-in",
        skip: "Skip to content",
        refusal: { code in
            switch code {
            case .invitationExpired?, .tokenExpired?: ("Link expired", "This link has expired. Ask the organisation to send a new one.")
            case .invitationRevoked?:
                ("Invitation withdrawn", "This invitation was withdrawn by the organisation. Ask them if you think that is a mistake.")
            case .invitationAlreadyAccepted?, .tokenUsed?: ("Link already used", "This link has been used already. Sign in instead.")
            case .tokenSuperseded?: ("Link replaced", "A newer email replaced this one. Use the link in the latest email.")
            case .collaboratorEnded?: ("This link does not work", "This assignment has ended.")
            default: ("This link does not work", "This link is not valid. Open it from the email again, copying all of it.")
            }
        }
    )

    static let welsh = LinkPageWords(
        language: "cy",
        mail: .welsh,
        join: { "Ymuno â \($0)" },
        invited: { org, role, email in "Rydych wedi cael gwahoddiad i \(org) fel \(role), gyda'r cyfeiriad \(email)." },
        invitationExpires: { "Daw'r gwahoddiad i ben ar \($0)." },
        accept: "Derbyn a mewngofnodi",
        welcome: { "Croeso i \($0)" },
        joined: { role, email in "Rydych wedi ymuno fel \(role), wedi mewngofnodi fel \(email)." },
        next: "Parhau",
        signInHeading: "Mewngofnodi i Muster",
        signInLink: "Mae'r ddolen hon yn eich mewngofnodi i Muster.",
        caseHeading: { "Gweithio ar achos gyda \($0)" },
        caseInvited: { org, mode in "Mae \(org) wedi eich gwahodd i weithio ar achos tenant fel \(mode)." },
        linkExpires: { "Daw'r ddolen i ben ar \($0)." },
        signIn: "Mewngofnodi",
        signedInHeading: "Rydych wedi mewngofnodi",
        signedInAs: { "Wedi mewngofnodi fel \($0)." },
        caseAccess: { org, mode in "Mae gennych fynediad nawr at achos yn \(org), fel \(mode)." },
        goToSignIn: "Mynd i fewngofnodi",
        skip: "Neidio i'r cynnwys",
        refusal: { code in
            switch code {
            case .invitationExpired?, .tokenExpired?:
                ("Mae'r ddolen wedi dod i ben", "Mae'r ddolen hon wedi dod i ben. Gofynnwch i'r sefydliad anfon un newydd.")
            case .invitationRevoked?:
                (
                    "Gwahoddiad wedi'i dynnu'n ôl",
                    "Mae'r sefydliad wedi tynnu'r gwahoddiad hwn yn ôl. Holwch nhw os ydych chi'n credu bod hynny'n gamgymeriad."
                )
            case .invitationAlreadyAccepted?, .tokenUsed?:
                ("Mae'r ddolen wedi'i defnyddio", "Mae'r ddolen hon wedi'i defnyddio eisoes. Mewngofnodwch yn lle hynny.")
            case .tokenSuperseded?:
                ("Dolen wedi'i disodli", "Mae e-bost mwy diweddar wedi disodli hwn. Defnyddiwch y ddolen yn yr e-bost diweddaraf.")
            case .collaboratorEnded?: ("Nid yw'r ddolen hon yn gweithio", "Mae'r aseiniad hwn wedi dod i ben.")
            default: ("Nid yw'r ddolen hon yn gweithio", "Nid yw'r ddolen hon yn ddilys. Agorwch hi o'r e-bost eto, gan gopïo'r cyfan.")
            }
        }
    )
}
