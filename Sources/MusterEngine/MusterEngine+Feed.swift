import MusterDomain

extension MusterEngine {
    /// The org's events after `cursor`, oldest first, as `principal` may read them (org admins,
    /// API keys, the platform admin).
    ///
    /// With a `wait` and nothing to return, answers as soon as a matching event is durable, or
    /// with an empty page once `wait` has passed. Like every read, it answers only with what is
    /// durable.
    public func events(
        org orgID: OrganisationID,
        after cursor: UInt64,
        kinds: Set<OrgEvent.Kind>? = nil,
        limit: Int = 100,
        wait: Duration = .zero,
        by principal: Principal
    ) async throws -> FeedPage {
        try await followFeed(org: orgID, after: cursor, wait: wait) { state, cursor throws(DomainError) in
            try state.feedPage(for: principal, after: cursor, kinds: kinds, limit: limit)
        }
    }

    /// The org's events after `cursor` that `webhook` receives, for Muster's own delivery,
    /// whose access was checked when it was registered; waits like
    /// ``events(org:after:kinds:limit:wait:by:)``.
    public func eventsForDelivery(
        org orgID: OrganisationID,
        after cursor: UInt64,
        for webhook: Webhook,
        limit: Int,
        wait: Duration = .zero
    ) async throws -> FeedPage {
        try await followFeed(org: orgID, after: cursor, wait: wait) { state, cursor throws(DomainError) in
            try state.feedPage(after: cursor, for: webhook, limit: limit)
        }
    }

    /// Checks that `principal` may manage the org's integrations and returns the org's current
    /// version: where a new subscription starts.
    public func integrationVersion(org orgID: OrganisationID, toDo action: String, by principal: Principal) async throws -> UInt64 {
        try await read(orgID) { state, _ throws(DomainError) in
            try state.requireIntegrationAccess(principal, toDo: action)
            return state.version
        }
    }

    private func followFeed(
        org orgID: OrganisationID,
        after cursor: UInt64,
        wait: Duration,
        page: @escaping @Sendable (OrgState, UInt64) throws(DomainError) -> FeedPage
    ) async throws -> FeedPage {
        let deadline = ContinuousClock.now.advanced(by: wait)
        var cursor = cursor
        while true {
            let next = try await read(orgID) { [cursor] state, _ throws(DomainError) in try page(state, cursor) }
            let remaining = ContinuousClock.now.duration(to: deadline)
            // A page that stopped at the scan limit has more to examine: hand it back at once.
            if !next.events.isEmpty || next.hasMore || remaining <= .zero || Task.isCancelled { return next }
            _ = await changes.wait(for: orgID, beyond: next.cursor, timeout: remaining)
            cursor = next.cursor
        }
    }
}
