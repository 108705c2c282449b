/// What a request that carried an `Idempotency-Key` leaves in the log: its caller's scope, the
/// key and the fingerprint of the request, inside the very record of each change it made.
///
/// The server passes it in the request's ``CommandContext``; the actors write it into the
/// record they append, so the mark is durable exactly when the change is. After a crash that lost the request's
/// answer, the mark in the log says the change was made, and its absence that it was not —
/// which is what lets the answer be journaled once, after the change, instead of a reservation
/// before it and the answer after.
public struct RequestMark: Hashable, Sendable {
    /// Who asked (a principal's description): keys are scoped to their caller.
    public var scope: String
    /// The client's `Idempotency-Key`.
    public var key: String
    /// A digest of the request (method, path, body), to tell a retry from a different request.
    public var fingerprint: String

    /// Creates a mark.
    public init(scope: String, key: String, fingerprint: String) {
        self.scope = scope
        self.key = key
        self.fingerprint = fingerprint
    }
}
