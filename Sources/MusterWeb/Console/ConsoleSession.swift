import Hummingbird
import MusterDomain
import MusterEngine
import MusterWords

/// Who is using the console: the person whose session cookie came with the request.
struct ConsoleSession: Sendable {
    let token: String
    let userID: UserID
    let mustChangePassword: Bool
    /// The value every form of this session posts back.
    let formToken: String
    /// The words of the pages this person reads (``WebRoutes/words(_:)``).
    let words: ConsoleText

    var principal: Principal { .user(userID) }

    /// What the layout needs to show a signed-in page.
    func fill(_ values: inout [String: Any]) {
        values["signedIn"] = true
        values["csrf"] = formToken
        ConsoleSession.fill(&values, words)
    }

    /// What every page in `words` needs: its language, and the link to the other one.
    static func fill(_ values: inout [String: Any], _ words: ConsoleText) {
        values["lang"] = words.language.rawValue
        let other: Language = words.language == .welsh ? .english : .welsh
        values["otherLanguage"] = ["code": other.rawValue, "name": other.ownName]
    }
}

extension WebRoutes {
    /// The session of `request`'s cookie, if it names a live one of a person. The platform
    /// admin's token and API keys never sign in to the console.
    func session(_ request: Request) async -> ConsoleSession? {
        guard let token = request.cookies[sessionCookie]?.value, !token.isEmpty, let engine = try? engine,
            let caller = try? await engine.identify(bearer: token), case .user(let userID) = caller.principal
        else { return nil }
        return ConsoleSession(
            token: token,
            userID: userID,
            mustChangePassword: caller.mustChangePassword,
            formToken: engine.formToken(forSession: token),
            words: words(request)
        )
    }

    /// The cookie holding the language a person chose with the pages' language link.
    static let languageCookie = "muster_language"

    /// The words of the console for `request`: the language the person chose (the language
    /// link's cookie), else the first of the browser's `Accept-Language` Muster has, else the
    /// deployment's.
    func words(_ request: Request) -> ConsoleText {
        let chosen = request.cookies[Self.languageCookie].flatMap { try? LocaleTag($0.value) }
        return .of(Language.first(of: [chosen] + Language.accepted(request.headers[.acceptLanguage]) + [policy.defaultLocale]))
    }

    /// A console page: without a session, the sign-in page; with a temporary password, the
    /// page that changes it first.
    func page<Context: RequestContext>(
        _ router: Router<Context>,
        _ path: RouterPath,
        _ body: @escaping @Sendable (Request, Context, ConsoleSession) async throws -> Response
    ) {
        router.get(path) { request, context in
            guard let session = await session(request) else { return WebPage.redirect(to: "/console/login") }
            if session.mustChangePassword { return WebPage.redirect(to: "/console/password") }
            do {
                return try await body(request, context, session)
            } catch {
                return refusal(error, session: session)
            }
        }
    }

    /// A console form: refused unless it comes from this site with the session's form token.
    /// `onError` renders the page again with the refusal's words and what was typed (empty when
    /// the form could not be read); nothing was changed. When that page cannot be shown, a page
    /// with the refusal's words alone.
    func action<Context: RequestContext>(
        _ router: Router<Context>,
        _ path: RouterPath,
        _ body: @escaping @Sendable (Request, Context, ConsoleSession, FormFields) async throws -> Response,
        onError: @escaping @Sendable (Request, Context, ConsoleSession, FormFields, String, HTTPResponse.Status) async throws -> Response
    ) {
        router.post(path) { request, context in
            guard let session = await session(request) else { return WebPage.redirect(to: "/console/login") }
            var typed = FormFields([])
            do {
                let form = try await form(request, context: context)
                guard let posted = form["csrf"], Self.same(posted, session.formToken) else { throw WebRefusal.staleForm }
                typed = form
                if session.mustChangePassword { return WebPage.redirect(to: "/console/password") }
                return try await body(request, context, session, form)
            } catch {
                let (status, text) = Self.explain(error, session.words)
                do {
                    return try await onError(request, context, session, typed, text, status)
                } catch {
                    // The page the form came from cannot be shown (the person may not even read it).
                    return refusal(text, status: status, session: session)
                }
            }
        }
    }

    /// The org a console path names.
    static func orgID<Context: RequestContext>(_ context: Context) throws(DomainError) -> OrganisationID {
        guard let text = context.parameters.get("org"), let id = OrganisationID(text) else { throw .notFound("no such organisation") }
        return id
    }

    /// An id a console path names.
    static func pathID<Tag, Context: RequestContext>(_ name: String, _ context: Context) throws(DomainError) -> Identifier<Tag> {
        guard let text = context.parameters.get(name), let id = Identifier<Tag>(text) else { throw .notFound("no such record") }
        return id
    }
}
