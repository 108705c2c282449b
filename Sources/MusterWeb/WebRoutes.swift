import Crypto
import HTTPTypes
import Hummingbird
import MusterDelivery
import MusterDomain
import MusterEngine
import MusterSecurity
import MusterWords
import NIOCore

/// The pages people open in a browser: the link pages an email points to, and the operator
/// console. Every action goes through the same engine commands, with the same permission
/// checks, as the API; the pages only render and post forms.
///
/// The console signs people in to an `HttpOnly`, `SameSite=Strict` cookie that only these
/// pages read — the API takes bearer tokens only, so a cookie never authorises an API call —
/// and every form that changes something carries the session's form token.
package struct WebRoutes: Sendable {
    let slot: EngineSlot
    let policy: Policy
    let webhooks: WebhookRegistry
    /// Where a webhook may deliver: the API's own rule for a new endpoint.
    let destinations: WebhookDestinations
    /// The sign-in limits the API keeps too, the very same instance: failed passwords per
    /// account and per client address, links per email.
    let throttle: SignInThrottle
    /// Where people go once a link has signed them in; the console when `nil`.
    let appURL: String?
    /// Which pages may post the forms.
    let sameOrigin: SameOrigin
    /// The largest form body read.
    let maxBodyBytes: Int
    let pages = WebPage()

    /// The console and link pages for the engine in `slot`.
    package init(
        slot: EngineSlot,
        policy: Policy,
        webhooks: WebhookRegistry,
        destinations: WebhookDestinations,
        throttle: SignInThrottle,
        appURL: String?,
        publicBaseURL: String,
        maxBodyBytes: Int
    ) {
        self.destinations = destinations
        self.throttle = throttle
        self.slot = slot
        self.policy = policy
        self.webhooks = webhooks
        self.appURL = appURL
        self.sameOrigin = SameOrigin(publicBaseURL: publicBaseURL)
        self.maxBodyBytes = maxBodyBytes
    }

    /// The path prefixes these pages own; they are not part of the API's contract.
    package static let pathPrefixes = ["/console", "/invitations/accept", "/auth/verify"]

    /// Adds every page to `router`. The context names the client's address, which the
    /// password sign-in counts failures against, as the API does.
    package func register<Context: RemoteAddressRequestContext>(on router: Router<Context>) {
        router.get("/console/assets/muster.css") { _, _ in Self.asset(Assets.stylesheet, type: "text/css; charset=utf-8") }
        router.get("/console/assets/muster.js") { _, _ in Self.asset(Assets.script, type: "text/javascript; charset=utf-8") }
        // An accent colour as a stylesheet, for the pages an org's links open: a page's policy
        // allows no inline style. Named by the colour itself (six hex digits), so it looks up
        // nothing and tells nothing about any org.
        router.get("/console/assets/accent/{colour}") { _, context in
            guard let name = context.parameters.get("colour"), name.hasSuffix(".css"), let colour = try? OrgSettings.colour("#" + name.dropLast(4))
            else { return Response(status: .notFound) }
            return Self.asset(Assets.accent(colour), type: "text/css; charset=utf-8")
        }
        registerLinkPages(on: router)
        registerSignIn(on: router)
        registerPeople(on: router)
        registerTenants(on: router)
        registerIntegrations(on: router)
        registerSettings(on: router)
        registerWebhooks(on: router)
    }

    var engine: MusterEngine {
        get throws(WebRefusal) {
            guard let engine = slot.current else { throw .notReady }
            return engine
        }
    }

    private static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "public, max-age=3600", HTTPField.Name("X-Content-Type-Options")!: "nosniff"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }

    // MARK: Forms

    /// The form a POST carries, once its origin is checked: a browser names the page's origin,
    /// and one from another site never posts here.
    func form<Context: RequestContext>(_ request: Request, context: Context) async throws -> FormFields {
        let admitted = sameOrigin.admits(
            origin: request.headers[HTTPField.Name("Origin")!],
            fetchSite: request.headers[HTTPField.Name("Sec-Fetch-Site")!],
            authority: request.head.authority
        )
        guard admitted else { throw WebRefusal.foreignOrigin }
        let body = try await request.body.collect(upTo: maxBodyBytes)
        return FormFields(Array(buffer: body))
    }

    /// Compares two tokens in constant time.
    static func same(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count, !x.isEmpty else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Whether cookies are `Secure`: the deployment is served over https.
    var secureCookies: Bool { sameOrigin.scheme == "https" }

    /// The console session's cookie. Over https it has the `__Host-` prefix, which a browser
    /// keeps only when it is `Secure`, for the whole site and set by this host itself — so a
    /// neighbouring subdomain cannot plant one.
    var sessionCookie: String { secureCookies ? "__Host-muster_session" : "muster_session" }

    /// The cookie holding a form's value on the pages used without a session.
    var formCookie: String { secureCookies ? "__Host-muster_form" : "muster_form" }

    /// A cookie these pages set: `HttpOnly`, `SameSite=Strict`, on the whole site.
    func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict)
    }

    /// A page explaining a refusal, with the status the API would answer.
    func refusal(_ error: any Error, session: ConsoleSession) -> Response {
        let words = session.words
        if case WebRefusal.notStaff = error {
            var values: [String: Any] = [
                "heading": words("refusal.caseload_elsewhere"), "text": WebRefusal.notStaff.text(words), "next": "/console/caseload",
            ]
            session.fill(&values)
            return pages.render("message", title: words("refusal.not_staff_title"), values, status: .forbidden)
        }
        let (status, text) = Self.explain(error, words)
        var values: [String: Any] = [
            "heading": status == .notFound ? words("refusal.not_found") : words("refusal.did_not_work"), "text": text, "next": "/console",
        ]
        session.fill(&values)
        return pages.render("message", title: words("refusal.title"), values, status: status)
    }

    /// A page with the words of a refused form, when the page the form came from cannot be
    /// shown again (the person may not even read it).
    func refusal(_ text: String, status: HTTPResponse.Status, session: ConsoleSession) -> Response {
        var values: [String: Any] = ["heading": session.words("refusal.did_not_work"), "text": text, "next": "/console"]
        session.fill(&values)
        return pages.render("message", title: session.words("refusal.title"), values, status: status)
    }

    /// The status and the words for `error`: a domain refusal's own message, which is written
    /// for people, or — in another language than the domain's English — the catalogue's
    /// sentence for its code; anything else says only that it failed.
    static func explain(_ error: any Error, _ words: ConsoleText) -> (HTTPResponse.Status, String) {
        switch error {
        case let error as DomainError:
            let status: HTTPResponse.Status
            switch error.code {
            case .notFound, .tenantNotFound, .invitationNotFound, .userNotFound: status = .notFound
            case .forbidden, .beyondOwnAuthority, .userSharedAcrossOrgs, .passwordNotAllowed, .capOverrideNotAllowed, .directCreateDisabled,
                .passwordChangeRequired:
                status = .forbidden
            case .resendCooldown, .resendDailyLimit, .rateLimited: status = .tooManyRequests
            case .conflict, .alreadyMember, .invitationPending, .lastOrgAdmin, .collaboratorExists, .collaboratorEnded, .caseloadCapReached,
                .userExists, .memberRemoved, .organisationExists:
                status = .conflict
            case .invitationExpired, .invitationRevoked, .invitationAlreadyAccepted, .tokenSuperseded, .tokenUsed, .tokenExpired: status = .gone
            case .sessionInvalid, .sessionExpired, .invalidCredentials, .apiKeyRevoked: status = .unauthorized
            default: status = .unprocessableContent
            }
            let plain = ConsoleWords.plain(error.message)
            guard words.language != .english else { return (status, plain) }
            // A form's own mistake needs its details, which the domain states in English.
            return (status, words("refusal.\(error.code.rawValue)", ["detail": plain]))
        case let refusal as WebRefusal:
            return (refusal == .notReady ? .serviceUnavailable : .forbidden, refusal.text(words))
        default:
            return (.internalServerError, words("refusal.failed"))
        }
    }
}

/// Why a page refused a form before it reached the engine.
enum WebRefusal: Error, CustomStringConvertible {
    case foreignOrigin
    case staleForm
    case notReady
    /// The person is signed in but not on this org's staff.
    case notStaff

    var description: String { text(.english) }

    /// The refusal in `words`.
    func text(_ words: ConsoleText) -> String {
        switch self {
        case .notReady: words("refusal.starting")
        case .notStaff: words("refusal.not_staff")
        case .foreignOrigin: words("refusal.foreign_origin")
        case .staleForm: words("refusal.stale_form")
        }
    }
}
