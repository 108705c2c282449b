import MusterDomain
import MusterEngine
import MusterLog
import MusterSecurity
import MusterStorage

/// Builds a large, realistic data folder through the engine's own commands (the fast path:
/// no HTTP), on a clock it moves itself.
///
/// Per org: `tenantsPerOrg` tenants each with one collaborator (7 in 10 full, 2 context-only,
/// 1 reference-only; 1 in 10 ended; the people drawn from a shared pool so most work in
/// several orgs) and `invitationsPerOrg` invitations: 10% expired by the sweep, 25% accepted
/// through their links (new users, sessions), 10% revoked, the rest pending. The whole is
/// logged; then a snapshot is taken and a tail of `tailFraction` more invitations is logged
/// after it, so one folder serves all three recovery modes.
struct Generator {
    var folder: String
    var orgs = 10_000
    var tenantsPerOrg = 100
    var invitationsPerOrg = 100
    var tailFraction = 0.1
    /// Orgs worked on at once: as many clients as a busy server has, whose records the log's
    /// group commit writes a frame at a time.
    var parallelism = 256

    struct Counts: Sendable {
        var orgs = 0, tenants = 0, collaborators = 0, invitations = 0, pending = 0, accepted = 0, expired = 0, revoked = 0, ended = 0
        var logBytes: Int64 = 0, logRecords = 0, events = 0

        static func + (a: Counts, b: Counts) -> Counts {
            Counts(
                orgs: a.orgs + b.orgs,
                tenants: a.tenants + b.tenants,
                collaborators: a.collaborators + b.collaborators,
                invitations: a.invitations + b.invitations,
                pending: a.pending + b.pending,
                accepted: a.accepted + b.accepted,
                expired: a.expired + b.expired,
                revoked: a.revoked + b.revoked,
                ended: a.ended + b.ended
            )
        }

        var description: String {
            "\(orgs) orgs, \(tenants) tenants, \(collaborators) collaborators (\(ended) ended), \(invitations) invitations (\(pending) pending, \(accepted) accepted, \(expired) expired, \(revoked) revoked)"
        }
    }

    func run() async throws -> Counts {
        let clock = ManualClock()
        var options = StoreOptions(dataDirectory: folder)
        // The server's own policy (group commit), so frames hold what a busy server's do.
        options.snapshotEveryRecords = .max
        let durable = try await DurableEngine.open(
            options,
            secret: Array(repeating: 9, count: 32),
            clock: clock,
            hasher: PasswordHasher(rounds: 1000)
        )
        let engine = durable.engine
        let started = seconds()
        var orgIDs = [OrganisationID]()
        for index in 0..<orgs { orgIDs.append(try await engine.createOrganisation(name: "Org \(index)", by: .platformAdmin)) }
        let peoplePool = max(1, orgs * tenantsPerOrg / 4)
        let expiring = invitationsPerOrg / 10

        // Phase 1: tenants, collaborators, and the invitations that will lapse.
        var counts = try await forEachOrg(orgIDs) { orgIndex, orgID in
            var counts = Counts(orgs: 1)
            var collaboratorsToEnd = [CollaboratorID]()
            for index in 0..<tenantsPerOrg {
                let tenant = try await engine.createTenant(org: orgID, name: "Tenant \(orgIndex)-\(index)", by: .platformAdmin)
                counts.tenants += 1
                let person = (orgIndex * tenantsPerOrg + index * 7919) % peoplePool
                let issued: IssuedCollaborator
                switch index % 10 {
                case 9:
                    let card = ContactCard(
                        name: "Contact \(index)",
                        email: try EmailAddress("contact\(orgIndex)-\(index)@gp.example"),
                        organisationName: "Riverside GP",
                        roleLabel: "GP"
                    )
                    issued = try await engine.inviteCollaborator(
                        org: orgID,
                        tenant: tenant.id,
                        mode: .referenceOnly,
                        invitee: .contact(card),
                        by: .platformAdmin
                    )
                case let slot:
                    let mode: ParticipationMode = slot == 8 ? .contextOnly : .full
                    issued = try await engine.inviteCollaborator(
                        org: orgID,
                        tenant: tenant.id,
                        mode: mode,
                        invitee: .person(email: try EmailAddress("worker\(person)@support.example"), fullName: "Worker \(person)"),
                        by: .platformAdmin
                    )
                }
                counts.collaborators += 1
                if index % 10 == 7 { collaboratorsToEnd.append(issued.collaborator.id) }
            }
            for id in collaboratorsToEnd { _ = try await engine.endCollaborator(org: orgID, id: id, by: .platformAdmin) }
            counts.ended += collaboratorsToEnd.count
            for index in 0..<expiring {
                _ = try await engine.invite(
                    org: orgID,
                    email: try EmailAddress("lapsed\(orgIndex)-\(index)@example.org"),
                    role: .viewer,
                    method: .email,
                    by: .platformAdmin
                )
            }
            counts.invitations += expiring
            return counts
        }
        clock.advance(by: .days(8))
        counts.expired = try await engine.expireInvitations()

        // Phase 2: the rest of the invitations, a week later.
        counts =
            counts
            + (try await forEachOrg(orgIDs) { orgIndex, orgID in
                var counts = Counts()
                for index in expiring..<invitationsPerOrg {
                    let issued = try await engine.invite(
                        org: orgID,
                        email: try EmailAddress("person\(orgIndex)-\(index)@example.org"),
                        role: index % 5 == 0 ? .siteAdmin : .caseworker,
                        method: .email,
                        by: .platformAdmin
                    )
                    counts.invitations += 1
                    switch index % 20 {
                    case 0..<5:
                        _ = try await engine.acceptInvitation(token: issued.token)
                        counts.accepted += 1
                    case 5, 6:
                        _ = try await engine.revokeInvitation(
                            org: orgID,
                            id: issued.invitation.id,
                            reason: "sent to the wrong address",
                            by: .platformAdmin
                        )
                        counts.revoked += 1
                    default:
                        counts.pending += 1
                    }
                }
                return counts
            })
        print("generate: \(counts.description) in \(Int(seconds() - started)) s")
        let snapshot = try await durable.snapshot()
        print("generate: snapshot at position \(snapshot.position), \(snapshot.bytes) bytes")

        // The tail: more invitations after the snapshot.
        let tailOrgs = Array(orgIDs.prefix(Int(Double(orgs) * tailFraction)))
        counts =
            counts
            + (try await forEachOrg(tailOrgs) { orgIndex, orgID in
                for index in 0..<invitationsPerOrg {
                    _ = try await engine.invite(
                        org: orgID,
                        email: try EmailAddress("later\(orgIndex)-\(index)@example.org"),
                        role: .viewer,
                        method: .email,
                        by: .platformAdmin
                    )
                }
                return Counts(invitations: invitationsPerOrg, pending: invitationsPerOrg)
            })
        durable.close()
        let scan = try LogRecovery.scan(LogConfiguration(directory: folder + "/log"), repair: false)
        counts.logBytes = scan.bytes
        counts.logRecords = scan.records.count
        counts.events = scan.eventCount
        // The folder stands for a deployment whose emails were all sent long ago: its outbox's
        // cursor is at the log's end, so a restart on it does not mail a million invitations
        // before any new one.
        let (cursor, _) = try Journal.open(path: folder + "/outbox.cursor")
        try cursor.rewrite([withUnsafeBytes(of: scan.tail.lastPosition.littleEndian) { Array($0) }])
        cursor.close()
        print("generate: \(counts.description) in all, \(Int(seconds() - started)) s")
        print(
            "generate: log \(counts.logBytes) bytes, \(counts.logRecords) records, \(counts.events) events: \(String(format: "%.1f", Double(counts.logBytes) / Double(max(1, counts.events)))) bytes/event"
        )
        try write("records \(counts.collaborators + counts.invitations)\nevents \(counts.events)\n", to: folder + "/generated.txt")
        return counts
    }

    /// Runs `body` for every org, `parallelism` at a time, and adds up what they counted.
    private func forEachOrg(
        _ orgIDs: [OrganisationID],
        _ body: @escaping @Sendable (Int, OrganisationID) async throws -> Counts
    ) async throws -> Counts {
        try await withThrowingTaskGroup(of: Counts.self) { group in
            var next = 0
            var total = Counts()
            while next < min(parallelism, orgIDs.count) {
                let index = next
                group.addTask { try await body(index, orgIDs[index]) }
                next += 1
            }
            while let counts = try await group.next() {
                total = total + counts
                if next < orgIDs.count {
                    let index = next
                    group.addTask { try await body(index, orgIDs[index]) }
                    next += 1
                }
            }
            return total
        }
    }
}

extension LogScan {
    /// How many events the scanned records hold.
    var eventCount: Int {
        records.reduce(0) { total, entry in
            switch entry.record {
            case .org(_, let events): total + events.count
            case .directory(let events): total + events.count
            }
        }
    }
}
