import MusterDomain

extension MusterEngine {
    /// Answers each question from the org's current state, in order, and the log position
    /// that state reflects (a caller may compare it with the position of a write it made).
    ///
    /// One read behind the read fence for the whole batch; nothing is cached, so an ended
    /// assignment is refused on the very next call. `atLeast` is a position the caller was
    /// given: the answer reflects at least that much of the log.
    public func checkAccess(
        org orgID: OrganisationID,
        _ questions: [AccessQuestion],
        atLeast: LogPosition? = nil,
        by principal: Principal
    ) async throws
        -> (decisions: [AccessDecision], asOf: LogPosition)
    {
        try requireReflected(atLeast)
        let (decisions, position) = try await readWithPosition(orgID) { state, _ throws(DomainError) in
            try state.requireAccessChecker(principal)
            return questions.map(state.accessDecision)
        }
        return (decisions, position)
    }

    /// A page of the cases `userID` may see in the org, and through what: the person's rows
    /// come from the caseload index, so the org's other collaborators are never scanned.
    public func visibleTenants(
        org orgID: OrganisationID,
        user userID: UserID,
        after cursor: UInt64? = nil,
        limit: Int = 100,
        atLeast: LogPosition? = nil,
        by principal: Principal
    ) async throws -> Page<VisibleTenant> {
        try requireReflected(atLeast)
        let (entries, position) = await people.assignments(of: userID, in: orgID)
        try await durable(position)
        let assignments = entries.map(\.collaboratorID)
        return try await read(orgID) { state, _ throws(DomainError) in
            try state.requireAccessChecker(principal)
            return try state.visibleTenants(of: userID, among: assignments, after: cursor, limit: limit)
        }
    }
}
