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

    /// What an email about an org record needs: the org's name and, when asked, one invitation.
    /// Unchecked (Muster's own outbox asks), behind the read fence.
    ///
    /// `actor` is who caused the email: `actor` in the answer names them when they are one of
    /// the org's people (by email), for "Ann has invited you"; `nil` for keys, the platform
    /// admin and Muster itself.
    public func mailFacts(
        org orgID: OrganisationID,
        invitation invitationID: InvitationID? = nil,
        actor: Principal? = nil
    ) async throws -> (
        orgName: String, settings: OrgSettings, invitation: Invitation?, actor: String?
    ) {
        try await read(orgID) { state, _ in
            var name: String?
            if case .user(let userID)? = actor { name = state.members[userID]?.email.value }
            return (state.name, state.settings, invitationID.flatMap { state.invitations[$0] }, name)
        }
    }

    /// The user a sign-in link goes to, for the outbox.
    public func mailRecipient(_ userID: UserID) async throws -> User? {
        try await readDirectory { state, _ in state.users[userID] }
    }
}
