import Hummingbird
import MusterDomain
import MusterEngine

/// A request context that can name its caller: the server's own context, whose caller may be
/// missing, and the child contexts of routes that only run once the caller is known.
protocol CallerContext: RequestContext {
    /// The principal of an authenticated call, or a 401 problem; a person who still holds a
    /// temporary password may do nothing but change it (`allowingPasswordChange`).
    func requirePrincipal(allowingPasswordChange: Bool) throws(Problem) -> Principal
    /// What the request's commands carry to the engine: its idempotency mark and the recorder
    /// of the positions it wrote, set by the route before the handler runs.
    var command: CommandContext { get set }
}

extension MusterRequestContext: CallerContext {}

/// The context of every route under `/v1/orgs/{org}`: the caller is authenticated and the org
/// id in the path is well formed before the handler runs, so no handler can forget either.
///
/// Made by the router group from the server's context once the route has matched (its path
/// parameters are set by then); a request without credentials is refused with 401 before a
/// malformed org id is looked at, as every org route did by hand before.
struct OrgRequestContext: ChildRequestContext, CallerContext {
    typealias ParentContext = MusterRequestContext

    var coreContext: CoreRequestContextStorage
    /// The server's context the request arrived with: credentials, body limit, client address.
    let base: MusterRequestContext
    /// Who is calling.
    let principal: Principal
    /// The org the path names (which may still not exist, or not be the caller's: the engine
    /// decides that, with one 404 for both).
    let org: OrganisationID
    var command = CommandContext.detached

    init(context: MusterRequestContext) throws {
        coreContext = context.coreContext
        base = context
        principal = try context.requirePrincipal()
        org = try context.pathID("org")
    }

    var maxUploadSize: Int { base.maxUploadSize }

    /// Asks the server's context again, so the temporary-password rule is decided in one place
    /// whatever a handler passes.
    func requirePrincipal(allowingPasswordChange: Bool) throws(Problem) -> Principal {
        try base.requirePrincipal(allowingPasswordChange: allowingPasswordChange)
    }
}
