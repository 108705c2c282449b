/// An enumeration whose cases have one stable spelling in the API, the log and the audit
/// trail, such as `org_admin` or `user.invitation_revoked`.
public protocol SpelledCase: CaseIterable, Hashable, Sendable {
    /// The case's spelling.
    var name: String { get }

    /// The cases a request may choose, in the order a refusal names them: every case unless
    /// the type keeps some for old data only (``Role``'s legacy roles).
    static var choices: [Self] { get }
}

extension SpelledCase {
    /// Every case.
    public static var choices: [Self] { Array(allCases) }
}

extension SpelledCase {
    /// Looks a case up by its spelling; `nil` when no case is spelled so.
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }
}
