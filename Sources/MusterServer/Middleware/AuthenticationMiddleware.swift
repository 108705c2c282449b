import Hummingbird
import MusterDomain
import MusterEngine
import MusterSecurity
import Synchronization

/// Reads `Authorization: Bearer <token>` and records who is calling. It never refuses a request
/// itself: public routes ignore credentials, and the others ask the context for a principal,
/// which answers 401 with the reason the token was refused.
///
/// Every request is decided afresh: a revoked key or an ended session stops working on the
/// next request, with no cache to wait for.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = MusterRequestContext

    let slot: EngineSlot
    /// The digest of the platform admin token: tokens are compared digest to digest, so the
    /// time a comparison takes says nothing about the token.
    let adminTokenDigest: SecretDigest
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.maxUploadSize = maxBodyBytes
        if let header = request.headers[.authorization] {
            if let token = Self.bearerToken(header) {
                if SecretDigest(of: token) == adminTokenDigest {
                    context.caller = Caller(principal: .platformAdmin, mustChangePassword: false)
                } else {
                    do {
                        context.caller = try await slot.engine().identify(bearer: token)
                        context.bearerToken = token
                    } catch let error as DomainError {
                        context.authenticationFailure = Problem(error)
                    }
                }
            } else {
                context.authenticationFailure = Problem.unauthorized("the Authorization header must be `Bearer <token>`")
            }
        }
        return try await next(request, context)
    }

    static func bearerToken(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = String(parts[1]).trimmingWhitespace()
        return token.isEmpty ? nil : token
    }
}
