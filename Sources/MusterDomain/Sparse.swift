/// A group of a row's rarely set fields, kept behind one pointer that stays `nil` while every
/// field has its empty value.
///
/// A row type holds millions of copies: an invitation's outcome (accepted, revoked, expired),
/// its resends and redirect, a collaborator's contact card and ending, a tenant's workspace.
/// Inline, each costs its full size in every row, set or not; here a row without any pays 8
/// bytes, and a row with some pays one small allocation. The group is a value: a change
/// builds a new box, so a box is never shared while it changes, and equality and hashing are
/// the fields'.
public struct Sparse<Fields: SparseFields>: Hashable, Sendable {
    private final class Box: Sendable {
        let fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var box: Box?

    /// A group whose fields are all empty.
    public init() {}

    /// The fields (empty ones when none was set).
    public var fields: Fields {
        get { box?.fields ?? Fields() }
        _modify {
            var fields = box?.fields ?? Fields()
            // Let go of the old box first, so that its arrays are not shared while they change.
            box = nil
            defer { box = fields == Fields() ? nil : Box(fields) }
            yield &fields
        }
        set {
            box = newValue == Fields() ? nil : Box(newValue)
        }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.box === rhs.box || lhs.fields == rhs.fields
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(fields)
    }
}

/// The fields of a ``Sparse`` group: a value whose `init()` is the all-empty group.
public protocol SparseFields: Hashable, Sendable {
    /// The group with every field empty.
    init()
}
