import MusterDomain
import MusterSecurity
import Testing

@testable import MusterEngine

@Suite("The person index rebuilt at a start")
struct PersonIndexRecoveryTests {
    @Test("An index rebuilt from the orgs' states answers every person's caseload, assignments, memberships, cap count and reach as the live one did")
    func rebuiltIndexAnswersAsTheLiveOne() async throws {
        let fixture = EngineFixture()
        // More orgs than the rebuild's eight chunks, and people with rows in several of them at
        // every stage: invited, signed in, ended; members too, in some.
        var orgs = [(id: OrganisationID, admin: Principal, tenants: [TenantID])]()
        for number in 0..<11 {
            let (orgID, admin) = try await fixture.org("Org \(number)")
            var tenants = [TenantID]()
            for tenant in 0..<3 {
                tenants.append(try await fixture.engine.createTenant(org: orgID, name: "Tenant \(number)-\(tenant)", by: admin).id)
            }
            orgs.append((orgID, admin, tenants))
        }
        var people = Set<UserID>()
        for person in 0..<24 {
            let address = "person-\(person)@support.example"
            for step in 0..<(1 + person % 5) {
                let org = orgs[(person * 3 + step * 5) % orgs.count]
                let issued = try await fixture.engine.inviteCollaborator(
                    org: org.id,
                    tenant: org.tenants[(person + step) % org.tenants.count],
                    mode: step.isMultiple(of: 2) ? .full : .contextOnly,
                    invitee: .person(email: fixture.email(address), fullName: "Person \(person)"),
                    by: org.admin
                )
                people.insert(try #require(issued.collaborator.userID))
                if (person + step) % 3 != 0 { _ = try await fixture.engine.verifyLink(token: issued.token!) }
                if (person + step) % 4 == 1 { _ = try await fixture.engine.endCollaborator(org: org.id, id: issued.collaborator.id, by: org.admin) }
            }
            if person % 3 == 0 {
                _ = try await fixture.member(of: orgs[person % orgs.count].id, address, role: .caseworker)
            }
        }
        for user in await fixture.engine.directoryState().users.rows { people.insert(user.id) }

        let recovered = await fixture.recovered()
        let live = fixture.engine.people
        let rebuilt = recovered.people
        var seen = (caseloads: 0, assignments: 0, memberships: 0)
        for person in people {
            #expect(await rebuilt.caseload(of: person).entries == live.caseload(of: person).entries)
            // The org's version a membership was read at only orders reports; the rebuilt
            // index read them all at the recovered version.
            #expect(await rebuilt.memberships(of: person).entries.map(\.answered) == live.memberships(of: person).entries.map(\.answered))
            #expect(await rebuilt.activeTenantCount(of: person) == live.activeTenantCount(of: person))
            seen.caseloads += await live.caseload(of: person).entries.count
            seen.memberships += await live.memberships(of: person).entries.count
            for org in orgs {
                #expect(await rebuilt.assignments(of: person, in: org.id).entries == live.assignments(of: person, in: org.id).entries)
                #expect(await rebuilt.belongsElsewhere(person, than: org.id) == live.belongsElsewhere(person, than: org.id))
                seen.assignments += await live.assignments(of: person, in: org.id).entries.count
            }
        }
        #expect(
            seen.caseloads > 20 && seen.assignments > seen.caseloads && seen.memberships > 15,
            "the comparison covered rows of every kind: \(seen)"
        )
    }
}

extension MembershipEntry {
    /// The entry as a read answers it, without the org version that orders reports.
    fileprivate var answered: MembershipEntry {
        var entry = self
        entry.orgVersion = 0
        return entry
    }
}
