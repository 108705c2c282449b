import Crypto
import HTTPTypes
import Hummingbird
import Logging
import MusterDelivery
import MusterDomain
import MusterEngine
import NIOCore

/// The handlers of the API, by feature (`APIRoutes+Invitations.swift` and so on), and the
/// wrapper every POST goes through for `Idempotency-Key`.
struct APIRoutes: Sendable {
    typealias Handler<Context> = @Sendable (inout Request, Context) async throws -> APIResponse

    let slot: EngineSlot
    let clock: any WallClock
    let outbox: MailOutbox
    let webhooks: WebhookRegistry
    let idempotency: IdempotencyStore
    let metrics: ServerMetrics
    let configuration: ServerConfiguration
    /// Failed sign-ins and sign-in link requests, counted.
    let throttle: SignInThrottle
    /// The node's cluster parts, on a node of a cluster.
    let cluster: ClusterRuntime?
    /// The long polls running.
    let longPolls: LongPollGate
    let logger: Logger

    /// The engine, or 503 `not_ready` while recovery runs.
    var engine: MusterEngine {
        get throws(Problem) { try slot.engine() }
    }

    /// Adds every route of the API to `router`: the public and personal routes on the router
    /// itself, each org's resources on one group whose context has settled the caller and the
    /// org before any handler runs.
    func register(on router: Router<MusterRequestContext>) {
        let org = router.group("/v1/orgs/{org}", context: OrgRequestContext.self)
        registerOperations(on: router)
        registerOrganisations(on: router, org: org)
        registerInvitations(on: router, org: org)
        registerMembers(on: org)
        registerCollaborators(on: org)
        registerWorkspace(on: org)
        registerSignIn(on: router)
        registerEvents(on: org)
        registerWebhooks(on: org)
        registerAccessCheck(on: org)
    }

    // MARK: Route helpers

    func get<Context: CallerContext>(_ router: some RouterMethods<Context>, _ path: String, _ handler: @escaping Handler<Context>) {
        router.get(RouterPath(path)) { request, context in
            try APIContract.checkQuery(request, route: context.endpointPath)
            var request = request
            return try await handler(&request, context)
        }
    }

    func put<Context: CallerContext>(_ router: some RouterMethods<Context>, _ path: String, command: String, _ handler: @escaping Handler<Context>) {
        counted(router, .put, path, command: command, handler)
    }

    func delete<Context: CallerContext>(_ router: some RouterMethods<Context>, _ path: String, command: String, _ handler: @escaping Handler<Context>)
    {
        counted(router, .delete, path, command: command, handler)
    }

    func patch<Context: CallerContext>(_ router: some RouterMethods<Context>, _ path: String, command: String, _ handler: @escaping Handler<Context>)
    {
        counted(router, .patch, path, command: command, handler)
    }

    /// A route that changes something, counted as a command of type `command` once it succeeded.
    private func counted<Context: CallerContext>(
        _ router: some RouterMethods<Context>,
        _ method: HTTPRequest.Method,
        _ path: String,
        command: String,
        _ handler: @escaping Handler<Context>
    ) {
        router.on(RouterPath(path), method: method) { request, context in
            try APIContract.checkQuery(request, route: context.endpointPath)
            var request = request
            var context = context
            let written = WrittenPosition()
            context.command.written = written
            let response = try await handler(&request, context)
            metrics.command(command)
            return response.carrying(written)
        }
    }

    /// A POST route for an authenticated caller: with an `Idempotency-Key`, its first successful
    /// answer is kept and replayed to retries with the same key and request; the change is
    /// applied once.
    func post<Context: CallerContext>(_ router: some RouterMethods<Context>, _ path: String, command: String, _ handler: @escaping Handler<Context>) {
        router.post(RouterPath(path)) { request, context in
            try APIContract.checkQuery(request, route: context.endpointPath)
            var request = request
            var context = context
            let written = WrittenPosition()
            context.command.written = written
            let response = try await idempotent(&request, context: context, handler)
            metrics.command(command)
            return response.carrying(written)
        }
    }

    /// A POST route that only asks (an access check): it changes nothing, so it is neither
    /// counted as a command nor journaled for `Idempotency-Key`.
    func question<Context: CallerContext>(_ router: some RouterMethods<Context>, _ path: String, _ handler: @escaping Handler<Context>) {
        router.post(RouterPath(path)) { request, context in
            try APIContract.checkQuery(request, route: context.endpointPath)
            var request = request
            return try await handler(&request, context)
        }
    }

    /// A POST route that anyone may call (accepting an invitation, signing in). It ignores
    /// `Idempotency-Key`: its answers carry new sessions, and a key alone must never let an
    /// anonymous caller replay one. Retrying a used link is refused by the link itself.
    func publicPost(_ router: Router<MusterRequestContext>, _ path: String, command: String, _ handler: @escaping Handler<MusterRequestContext>) {
        router.post(RouterPath(path)) { request, context in
            try APIContract.checkQuery(request, route: context.endpointPath)
            var request = request
            let response = try await handler(&request, context)
            metrics.command(command)
            return response
        }
    }

    private func idempotent<Context: CallerContext>(
        _ request: inout Request,
        context: Context,
        _ handler: Handler<Context>
    ) async throws -> APIResponse {
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!] else {
            return try await handler(&request, context)
        }
        // Idempotency belongs to an authenticated caller: who is calling is settled first, so an
        // anonymous request is a 401 whatever its key, and never writes the journal.
        let principal = try context.requirePrincipal(allowingPasswordChange: true)
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw Problem.badRequest("Idempotency-Key must be 1 to 255 visible ASCII characters, such as a UUID")
        }
        // The caller's identity scopes the key: one client's key never answers another's request.
        let scope = principal.description
        let body = try await request.collectBody(within: context)
        let fingerprint = try engine.requestFingerprint(method: request.method.rawValue, path: request.uri.path, body: Array(buffer: body))

        switch try await idempotency.begin(scope: scope, key: key, fingerprint: fingerprint, now: clock.now()) {
        case .replay(var stored):
            if let record = stored.secretOf {
                throw Problem(
                    .conflict,
                    code: "idempotency_secret_not_replayed",
                    "the first request with Idempotency-Key \"\(key)\" succeeded for \(record); its answer showed a secret, which is never shown twice — if it was lost, issue a new one (revoke the API key and create another, or rotate the webhook's secret again)",
                    existingRecord: record
                )
            }
            stored.extraHeaders.append(("Idempotent-Replayed", "true"))
            return stored
        case .run(let mark):
            let response: APIResponse
            do {
                // The change's log records carry the mark: durable exactly when the change is.
                var context = context
                context.command.mark = mark
                response = try await handler(&request, context)
            } catch {
                await idempotency.release(scope: scope, key: key)
                throw error
            }
            if (200..<300).contains(response.status.code) {
                try await idempotency.complete(scope: scope, key: key, fingerprint: fingerprint, response: response, now: clock.now())
            } else {
                await idempotency.release(scope: scope, key: key)
            }
            return response
        }
    }

    /// The current time: what list answers compute effective statuses with.
    var now: Timestamp { clock.now() }
}

extension APIResponse {
    /// The answer with `Muster-Position`, the log position of the change it made, when it made
    /// one: a token a later read passes as `at_least`. A replayed answer carries none.
    func carrying(_ written: WrittenPosition) -> APIResponse {
        guard let position = written.position else { return self }
        var copy = self
        copy.extraHeaders.append(("Muster-Position", String(position)))
        return copy
    }
}

/// Turns every error into `application/problem+json`: domain refusals with their status and
/// code, the router's own 404/405, storage trouble as 503, anything else as a 500 that says
/// nothing about internals (the log has the details).
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = MusterRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var problem = Problem(describing: error)
            if let error = error as? HTTPError, error.status == .notFound {
                let served = APIContract.methods(servingPath: request.uri.path)
                if served.isEmpty {
                    problem.detail = "no route matches \(request.method.rawValue) \(request.uri.path)"
                } else {
                    problem = Problem(
                        .methodNotAllowed,
                        code: "method_not_allowed",
                        "\(request.uri.path) does not take \(request.method.rawValue); it takes \(served.joined(separator: ", "))"
                    )
                    problem.allow = served
                }
            }
            if problem.isServerFailure {
                logger.error(
                    "request failed",
                    metadata: ["route": "\(context.endpointPath ?? request.uri.path)", "code": "\(problem.code)", "error": "\(error)"]
                )
            }
            return try problem.response(from: request, context: context)
        }
    }
}
