import HTTPTypes
import Hummingbird
import MusterDomain
import MusterEngine
import NIOCore

/// The context of every request: who is calling, once the authentication middleware has read
/// the `Authorization` header.
struct MusterRequestContext: RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    /// The caller, or `nil` when the request carried no usable credentials.
    var caller: Caller?
    /// The bearer token as sent, kept only for sign-out (it names the session to end).
    var bearerToken: String?
    /// Why the credentials were refused, answered when a route needs them.
    var authenticationFailure: Problem?
    /// The largest request body accepted, in bytes.
    var maxUploadSize: Int = ServerConfiguration.defaultMaxBodyBytes
    /// What this request's commands carry to the engine (see ``CallerContext/command``).
    var command = CommandContext.detached

    /// The client's socket address as the connection sees it (a proxy's, behind one), or as
    /// another node of a cluster vouched for when it forwarded the request; `nil` when the
    /// transport has none. The console's pages read it through `RemoteAddressRequestContext`,
    /// so both doors count sign-ins per address alike.
    var remoteAddress: SocketAddress?

    /// The client's IP address as the socket sees it (a proxy's, behind one), for per-address
    /// limits; `nil` when the transport has none.
    var clientAddress: String? { remoteAddress?.ipAddress }

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The principal of an authenticated call, or a 401 problem. A person who still holds a
    /// temporary password may do nothing but change it (`allowingPasswordChange`).
    func requirePrincipal(allowingPasswordChange: Bool = false) throws(Problem) -> Principal {
        if let authenticationFailure { throw authenticationFailure }
        guard let caller else {
            throw Problem.unauthorized("this call needs `Authorization: Bearer <token>`: the admin token, an org API key or a session token")
        }
        if caller.mustChangePassword, !allowingPasswordChange {
            throw Problem(DomainError(.passwordChangeRequired, "change your temporary password first (POST /v1/auth/password/change)"))
        }
        return caller.principal
    }

    /// The signed-in person's user id, or a problem for any other kind of caller.
    func requireUser(allowingPasswordChange: Bool = false) throws(Problem) -> UserID {
        guard case .user(let userID) = try requirePrincipal(allowingPasswordChange: allowingPasswordChange) else {
            throw Problem(.forbidden, code: "forbidden", "this call is for a signed-in person (a session token), not an admin token or an API key")
        }
        return userID
    }
}
