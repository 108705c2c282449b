/// Everything written about one tenant's case. Every item keeps its author and time, and
/// stays when its author's access ends.
public struct Workspace: SparseFields {
    public var notes: [Note] = []
    public var goals: [Goal] = []
    public var sessions: [SessionRecord] = []
    public var documents: [Document] = []
    public var contextSummary: ContextSummary?

    /// An empty workspace.
    public init() {}
}

/// Who wrote a workspace item, and when.
public struct Authorship: Hashable, Sendable {
    public var author: Principal
    public var at: Timestamp

    /// Creates a row from all its fields.
    public init(author: Principal, at: Timestamp) {
        self.author = author
        self.at = at
    }
}

/// A note on the case: shared with collaborators, or professional (org staff only).
public struct Note: Hashable, Sendable {
    public var id: WorkspaceItemID
    public var kind: Kind
    public var body: String
    public var authorship: Authorship

    /// Who may read a note.
    public enum Kind: UInt8, SpelledCase {
        /// Readable by staff and by `full` and `context_only` collaborators.
        case shared
        /// Readable by staff holding `workspace.professional` only.
        case professional

        /// The kind as the API spells it.
        public var name: String { self == .shared ? "shared" : "professional" }
    }

    /// Creates a row from all its fields.
    public init(id: WorkspaceItemID, kind: Kind, body: String, authorship: Authorship) {
        self.id = id
        self.kind = kind
        self.body = body
        self.authorship = authorship
    }
}

/// A goal agreed for the tenant.
public struct Goal: Hashable, Sendable {
    public var id: WorkspaceItemID
    public var title: String
    public var detail: String?
    public var authorship: Authorship

    /// Creates a row from all its fields.
    public init(id: WorkspaceItemID, title: String, detail: String? = nil, authorship: Authorship) {
        self.id = id
        self.title = title
        self.detail = detail
        self.authorship = authorship
    }
}

/// A dated record of contact with the tenant, by its author.
public struct SessionRecord: Hashable, Sendable {
    public var id: WorkspaceItemID
    /// When the contact took place (may be earlier than when it was recorded).
    public var occurredAt: Timestamp
    public var summary: String
    public var authorship: Authorship

    /// Creates a row from all its fields.
    public init(id: WorkspaceItemID, occurredAt: Timestamp, summary: String, authorship: Authorship) {
        self.id = id
        self.occurredAt = occurredAt
        self.summary = summary
        self.authorship = authorship
    }
}

/// A document's metadata; the bytes live elsewhere.
public struct Document: Hashable, Sendable {
    public var id: WorkspaceItemID
    public var name: String
    public var contentType: String
    public var sizeBytes: Int64
    /// The content's checksum as the uploader gave it, for example `sha256:…`.
    public var checksum: String
    public var authorship: Authorship

    /// Creates a row from all its fields.
    public init(id: WorkspaceItemID, name: String, contentType: String, sizeBytes: Int64, checksum: String, authorship: Authorship) {
        self.id = id
        self.name = name
        self.contentType = contentType
        self.sizeBytes = sizeBytes
        self.checksum = checksum
        self.authorship = authorship
    }
}

/// The short summary of the case that housing officers and supervisors read.
public struct ContextSummary: Hashable, Sendable {
    public var text: String
    public var authorship: Authorship

    /// Creates a row from all its fields.
    public init(text: String, authorship: Authorship) {
        self.text = text
        self.authorship = authorship
    }
}
