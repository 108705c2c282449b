/// A person whose support case an org works (a housing tenant, a patient).
public struct Tenant: Hashable, Sendable {
    public var id: TenantID
    public var name: String
    /// The org's own reference for the case, if it has one.
    public var reference: String?
    public var createdAt: Timestamp
    public var createdBy: Principal
    /// What has been written about the case: empty for most tenants, so kept behind one
    /// pointer (see ``Sparse``).
    private var writings = Sparse<Workspace>()

    /// What has been written about the case.
    public var workspace: Workspace {
        get { writings.fields }
        _modify { yield &writings.fields }
        set { writings.fields = newValue }
    }

    /// Creates a row from all its fields.
    public init(
        id: TenantID,
        name: String,
        reference: String? = nil,
        createdAt: Timestamp,
        createdBy: Principal,
        workspace: Workspace
    ) {
        self.id = id
        self.name = name
        self.reference = reference
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.writings.fields = workspace
    }
}
