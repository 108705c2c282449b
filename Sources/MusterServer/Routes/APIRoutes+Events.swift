import Hummingbird
import MusterDomain
import MusterEngine
import MusterJSON
import ServiceLifecycle

extension APIRoutes {
    /// The longest a feed request may wait for a new event, in seconds.
    static let maximumFeedWaitSeconds = 60.0

    /// `GET /v1/orgs/{org}/events`: the org's events after a cursor, oldest first, with an
    /// optional long poll.
    func registerEvents(on org: RouterGroup<OrgRequestContext>) {
        get(org, "events") { request, context in
            let principal = context.principal
            let orgID = context.org
            let query = try FeedQuery(request)
            let engine = try engine
            let read: @Sendable () async throws -> FeedPage = {
                try await engine.events(org: orgID, after: query.after, kinds: query.kinds, limit: query.limit, wait: query.wait, by: principal)
            }
            // A server shutting down (or a node that stopped leading) ends its long polls with
            // the page as it stands rather than wait them out.
            let page =
                query.wait > .zero
                ? try await longPolls.run(for: principal) { try await cancelWhenGracefulShutdown { try await read() } } : try await read()
            return .json { json in
                json.object { object in
                    object.array("items", page.events) { $0.feedEvent($1, orgID: orgID) }
                    object.field("next_cursor", String(page.cursor))
                    object.field("has_more", page.hasMore)
                }
            }
        }
    }
}

/// The query of a feed request: `after`, `limit`, `wait` (seconds) and `type` (comma-separated
/// event types).
struct FeedQuery: Sendable {
    var after: UInt64 = 0
    var limit = 100
    var wait: Duration = .zero
    var kinds: Set<OrgEvent.Kind>?

    init(_ request: Request) throws(Problem) {
        if let text = request.query("after") {
            guard let value = UInt64(text) else {
                throw Problem(
                    .badRequest,
                    code: "invalid_cursor",
                    "`after` must be an event sequence number (a `next_cursor` or an event's `sequence`); got \"\(text)\""
                )
            }
            after = value
        }
        if let text = request.query("limit") {
            guard let value = Int(text), (1...OrgState.maximumPageSize).contains(value) else {
                throw Problem.badRequest("`limit` must be a whole number from 1 to \(OrgState.maximumPageSize); got \"\(text)\"")
            }
            limit = value
        }
        if let text = request.query("wait") {
            guard let seconds = Double(text), seconds.isFinite, (0...APIRoutes.maximumFeedWaitSeconds).contains(seconds) else {
                throw Problem.badRequest("`wait` must be a number of seconds from 0 to \(Int(APIRoutes.maximumFeedWaitSeconds)); got \"\(text)\"")
            }
            wait = .milliseconds(Int64(seconds * 1000))
        }
        if let text = request.query("type") {
            kinds = try Self.kinds(commaSeparated: text, parameter: "type")
        }
    }

    /// Parses a query's comma-separated event types.
    static func kinds(commaSeparated text: String, parameter: String) throws(Problem) -> Set<OrgEvent.Kind> {
        try kinds(text.split(separator: ",", omittingEmptySubsequences: false).map(String.init), parameter: parameter)
    }

    /// Parses event type names, refusing any that is not one.
    static func kinds(_ names: [String], parameter: String) throws(Problem) -> Set<OrgEvent.Kind> {
        var set = Set<OrgEvent.Kind>()
        for name in names {
            guard let kind = OrgEvent.Kind(name: name) else {
                throw Problem.badRequest("`\(parameter)`: \"\(name)\" is not an event type; for example user.invited or collaborator.ended")
            }
            set.insert(kind)
        }
        return set
    }
}
