import MusterDomain
import MusterSecurity

extension MusterEngine {
    /// The link token a durable event's seal stands for, signed again with the server secret.
    ///
    /// Only the nonce is logged; the same nonce and ids give the same token, so the outbox can
    /// send a link that was never stored anywhere. (A server started with a different secret
    /// signs a different token, which its own verification accepts but the state's check of
    /// the nonce still ties to this record's current link.)
    public func linkToken<Target>(_ purpose: LinkToken.Purpose, org orgID: OrganisationID, target: Identifier<Target>, seal: LinkSeal) -> String {
        signer.sign(LinkToken(purpose: purpose, orgID: orgID, target: target, nonce: seal.nonce)).token
    }

    /// The facts the emails of `record` need, read from the state as it is now: for a record
    /// written before records carried them (``DurableRecord/mail`` is `nil`). Unchecked
    /// (Muster's own outbox asks), behind the read fence.
    ///
    /// A record that carries its facts never comes here: they are the state as it stood when
    /// the command was decided, which this answer is not after a rename.
    public func mailFacts(for record: LogRecord) async throws -> MailFacts? {
        switch record {
        case .org(let orgID, let events): try await read(orgID) { state, _ in state.mailFacts(for: events) }
        case .directory(let events): try await readDirectory { state, _ in state.mailFacts(for: events) }
        }
    }

    /// An org's name. Unchecked: it heads the pages of everyone who works on the org's cases,
    /// members or not.
    public func orgName(_ orgID: OrganisationID) async throws -> String {
        try await read(orgID) { state, _ in state.name }
    }
}
