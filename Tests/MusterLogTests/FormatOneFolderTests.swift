import Foundation
import MusterEngine
import MusterSecurity
import MusterStorage
import MusterTestSupport
import Testing

@testable import MusterDomain
@testable import MusterLog

/// A data folder written by format 1 of the log and snapshot (`Fixtures/format-1`: the sample
/// workload, a snapshot, the workload again after it, and three links whose tokens were kept)
/// starts under this version with nothing lost, and goes on in this version's format.
@Suite struct FormatOneFolderTests {
    private static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/format-1").path

    /// The fixture's kept tokens and the time its clock stood at, by name.
    private static func facts() throws -> [String: String] {
        let text = try String(contentsOfFile: fixture + "/tokens.txt", encoding: .utf8)
        var facts = [String: String]()
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            facts[String(parts[0])] = String(parts[1])
        }
        return facts
    }

    /// A copy of the fixture to open (the original is never written), without its snapshots
    /// when `logOnly`.
    private static func copy(logOnly: Bool = false) -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        _ = system("cp -a '\(fixture)/.' '\(directory.path)/'")
        if logOnly { _ = system("rm -rf '\(directory.path)/snapshots'") }
        return directory
    }

    private static func clock() throws -> ManualClock {
        let text = try #require(try facts()["clock"])
        return ManualClock(start: Timestamp(millisecondsSinceEpoch: try #require(Int64(text))))
    }

    /// The states with every link check replaced by a marker: a format-1 snapshot kept a link's
    /// digest where its log events kept the nonce, and both recognise the same link.
    private static func comparable(_ states: ([OrgState], DirectoryState)) -> ([OrgState], DirectoryState) {
        let marker = LinkCheck.nonce(Identifier(high: 0, low: 0))
        var (orgs, directory) = states
        for index in orgs.indices {
            for invitation in orgs[index].invitations.rows where invitation.link != nil { orgs[index].invitations[invitation.id]?.link = marker }
            for row in orgs[index].collaborators.rows where row.link != nil { orgs[index].collaborators[row.id]?.link = marker }
        }
        for id in directory.signInLinks.keys { directory.signInLinks[id]?.link = marker }
        return (orgs, directory)
    }

    @Test func aFormatOneFolderGivesTheSameStateFromItsSnapshotAndTailAsFromItsLogAlone() async throws {
        let whole = Self.copy()
        let logOnly = Self.copy(logOnly: true)
        let fromSnapshot = try await DurableEngineTests.open(whole, clock: try Self.clock())
        let fromLog = try await DurableEngineTests.open(logOnly, clock: try Self.clock())
        #expect(fromSnapshot.report.snapshotPosition != nil && fromSnapshot.report.records > 0)
        #expect(fromLog.report.snapshotPath == nil)
        let raw = await DurableEngineTests.states(fromSnapshot.engine)
        let a = Self.comparable(raw)
        let b = Self.comparable(await DurableEngineTests.states(fromLog.engine))
        #expect(a.0.count == 5 && a.0.allSatisfy { $0.version > 0 })
        #expect(a.0 == b.0)
        #expect(a.1 == b.1)
        // The snapshot's pending links are recognised by digest, the log's by nonce.
        let legacy = try #require(raw.0.first { $0.name == "Legacy" })
        let checks = legacy.invitations.rows.compactMap(\.link) + legacy.collaborators.rows.compactMap(\.link)
        #expect(checks.contains { if case .digest = $0 { true } else { false } })
        #expect(checks.contains { if case .nonce = $0 { true } else { false } })
        fromSnapshot.close()
        fromLog.close()
    }

    @Test func linksIssuedUnderFormatOneStillWorkOnceAndOnlyOnce() async throws {
        let facts = try Self.facts()
        for logOnly in [false, true] {
            // The invitation sent in the log's tail, at the time the fixture stopped.
            let directory = Self.copy(logOnly: logOnly)
            let durable = try await DurableEngineTests.open(directory, clock: try Self.clock())
            let token = try #require(facts["invitation-in-tail"])
            let accepted = try await durable.engine.acceptInvitation(token: token)
            #expect(accepted.user.email.value == "in-tail@example.org")
            await #expect(throws: DomainError.self, "accepted twice") { try await durable.engine.acceptInvitation(token: token) }
            // The one sent before the snapshot lapsed, and the tail's sweep recorded it.
            let lapsed = try #require(facts["invitation-before-snapshot"])
            let refusal = await #expect(throws: DomainError.self) { try await durable.engine.acceptInvitation(token: lapsed) }
            #expect(refusal?.code == .invitationExpired)
            let legacy = try #require(await durable.engine.orgStates().first { $0.name == "Legacy" })
            let row = try #require(legacy.collaborators.rows.first { $0.email?.value == "legacy-worker@support.example" })
            durable.close()

            // The collaborator's link, issued before the snapshot (kept there by its digest), used
            // within its lifetime.
            let again = Self.copy(logOnly: logOnly)
            let restarted = try await DurableEngineTests.open(again, clock: ManualClock(start: row.invitedAt.adding(.minutes(1))))
            let collaboratorToken = try #require(facts["collaborator-before-snapshot"])
            var forged = Array(collaboratorToken)
            forged[forged.count - 2] = forged[forged.count - 2] == "A" ? "B" : "A"
            await #expect(throws: DomainError.self, "an altered link") { try await restarted.engine.verifyLink(token: String(forged)) }
            let signedIn = try await restarted.engine.verifyLink(token: collaboratorToken)
            #expect(signedIn.user.email.value == "legacy-worker@support.example")
            let reuse = await #expect(throws: DomainError.self) { try await restarted.engine.verifyLink(token: collaboratorToken) }
            #expect(reuse?.code == .tokenUsed)
            restarted.close()
        }
    }

    @Test func aFormatOneFolderGoesOnInFormatTwoAndRestartsExactlyFromEither() async throws {
        let directory = Self.copy()
        let clock = try Self.clock()
        let first = try await DurableEngineTests.open(directory, clock: clock)
        try await SampleWorkload.run(on: first.engine, clock: clock)
        let before = await DurableEngineTests.states(first.engine)
        first.close()

        // From the format-1 snapshot and a log of both formats.
        let second = try await DurableEngineTests.open(directory, clock: clock)
        let afterMixedLog = await DurableEngineTests.states(second.engine)
        #expect(afterMixedLog.0 == before.0 && afterMixedLog.1 == before.1)
        // From a format-2 snapshot.
        let snapshot = try await second.snapshot()
        #expect(try PosixFileSystem().read(snapshot.path)[4] == UInt8(EventCodec.version))
        second.close()
        let third = try await DurableEngineTests.open(directory, clock: clock)
        #expect(third.report.snapshotPosition == snapshot.position)
        let afterNewSnapshot = await DurableEngineTests.states(third.engine)
        #expect(afterNewSnapshot.0 == before.0 && afterNewSnapshot.1 == before.1)
        third.close()
    }
}
