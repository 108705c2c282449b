/// An audit line as people read it: the line, the facts of its event, and the people and
/// records it names by what they are rather than by id.
public struct ReadableAuditLine: Hashable, Sendable {
    public var entry: AuditEntry
    /// The event's facts (an invitation's email and role, a tenant's id, a reason).
    public var event: FeedEvent
    /// Who did it: an email, an API key's name, "Platform admin" or "Muster".
    public var actor: String
    /// The tenant the event concerns, by name, when it concerns one.
    public var tenantName: String?
    /// The person the event concerns when its facts name only their user id (a collaborator
    /// who accepted), by email.
    public var subject: String?
}

/// How one principal is named to people, with the key that filters the trail by them.
public struct PrincipalLabel: Hashable, Sendable {
    public var principal: Principal
    public var label: String
}

extension OrgState {
    /// How `principal` is named to this org's staff: a member's or collaborator's email, an
    /// API key's name, the platform admin, or Muster itself. A user this org has never seen is
    /// "someone outside the organisation" — their email is not this org's to show.
    public func label(of principal: Principal) -> String {
        switch principal {
        case .platformAdmin: "Platform admin"
        case .system: "Muster"
        case .apiKey(let keyID): apiKeys[keyID].map { "API key “\($0.name)”" } ?? "an API key"
        case .user(let userID):
            members[userID]?.email.value ?? collaboratorEmail(of: userID)?.value ?? "someone outside the organisation"
        }
    }

    /// A page of the trail, newest first, as people read it.
    public func readableAuditPage(
        for principal: Principal,
        filter: AuditFilter,
        before cursor: UInt64?,
        limit: Int
    ) throws(DomainError)
        -> Page<ReadableAuditLine>
    {
        let page = try auditPage(for: principal, filter: filter, before: cursor, limit: limit)
        // One label per person a page names, however many lines name them.
        var labels = [Principal: String]()
        func named(_ principal: Principal) -> String {
            if let known = labels[principal] { return known }
            let found = label(of: principal)
            labels[principal] = found
            return found
        }
        let lines = page.items.map { entry in
            let event = feedEvent(entry)
            let subject = event.data.email == nil ? event.data.userID.map { named(.user($0)) } : nil
            return ReadableAuditLine(
                entry: entry,
                event: event,
                actor: named(entry.actor),
                tenantName: event.data.tenantID.flatMap { tenants[$0]?.name },
                subject: subject
            )
        }
        return Page(items: lines, nextCursor: page.nextCursor)
    }

    /// Everyone who can appear as an actor in the trail, by label: members, API keys, the
    /// platform admin and Muster — for a filter people choose from.
    public func actorChoices(for principal: Principal) throws(DomainError) -> [PrincipalLabel] {
        try require(.usersView, of: principal, toDo: "read the audit trail")
        let people = memberOrder.compactMap { members[$0] }.map { PrincipalLabel(principal: .user($0.userID), label: $0.email.value) }
        let keys = apiKeysInOrder.map { PrincipalLabel(principal: .apiKey($0.id), label: label(of: .apiKey($0.id))) }
        return people.sorted { $0.label < $1.label } + keys
            + [PrincipalLabel(principal: .platformAdmin, label: "Platform admin"), PrincipalLabel(principal: .system, label: "Muster")]
    }

    /// The email of a collaborator who is not a member. Read by a scan of the org's rows, which
    /// only people outside the member list (rare on a page) cost.
    private func collaboratorEmail(of userID: UserID) -> EmailAddress? {
        collaborators.rows.first { $0.userID == userID }?.email
    }

    /// Whether `userID` is assigned to one of the org's cases now.
    public func isActiveCollaborator(_ userID: UserID) -> Bool {
        let rows = collaborators.storedRows
        return activeAssignmentRows.contains { rows[$0].userID == userID }
    }
}
