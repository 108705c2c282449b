import MusterDomain
import MusterEngine
import MusterStorage
import MusterTestSupport
import Testing

@testable import MusterLog

/// The facts a record's emails need are written inside the record (format 5): read back by
/// the log's followers, read past by recovery, and never mistaken for a record in older frames.
@Suite("The facts for emails inside a record")
struct MailFactsRecordTests {
    private let orgID = OrganisationID(high: 3, low: 4)
    private let at = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)

    private var record: LogRecord {
        .org(orgID, [OrgEventRecord(sequence: 9, at: at, actor: .platformAdmin, event: .invitationExpired(id: InvitationID(high: 1, low: 1)))])
    }

    private var everyFact: MailFacts {
        MailFacts(
            orgName: "Riverside Housing — Cymru",
            sender: EmailAddress(normalised: "ann@riverside.example"),
            defaultLocale: LocaleTag(normalised: "cy"),
            replyTo: EmailAddress(normalised: "office@riverside.example"),
            logoURL: "https://riverside.example/logo.png",
            accentColour: "#00aa00",
            recipient: EmailAddress(normalised: "bo@example.org"),
            recipientName: "Bo",
            role: .viewer,
            locale: LocaleTag(normalised: "en-GB")
        )
    }

    private let mark = RequestMark(scope: "key:1", key: "retry-1", fingerprint: "abc")

    @Test(
        "Facts, whole or in part, with or without a request mark, read back exactly",
        arguments: [true, false]
    )
    func factsReadBack(withMark: Bool) throws {
        for facts in [everyFact, MailFacts(orgName: "R"), MailFacts(recipient: EmailAddress(normalised: "a@b.example")), MailFacts(role: .orgAdmin)] {
            let bytes = record.encoded(mark: withMark ? mark : nil, mail: facts)
            let decoded = try DurableRecord(position: 5, encoded: bytes)
            #expect(decoded == DurableRecord(position: 5, record: record, mark: withMark ? mark : nil, mail: facts))
            #expect(EventCodec.isRecord(bytes, of: orgID), "an org's follower must still recognise the record")
            #expect(!EventCodec.isRecord(bytes, of: OrganisationID(high: 3, low: 5)))
        }
    }

    @Test("Recovery reads past the facts without building them, and gets the same record and mark")
    func recoveryReadsPastTheFacts() throws {
        var reader = BinaryReader(record.encoded(mark: mark, mail: everyFact))
        let decoded = try EventCodec.decodeMarkedRecord(&reader, mail: false)
        #expect(reader.isAtEnd && decoded.record == record && decoded.mark == mark && decoded.mail == nil)
    }

    @Test("In a frame of format 4, which had no facts, the facts' tag is refused, not read")
    func olderFormatsRefuseTheTag() {
        var reader = BinaryReader(record.encoded(mark: nil, mail: everyFact), format: 4)
        #expect(throws: LogError.self) { try EventCodec.decodeMarkedRecord(&reader) }
    }

    @Test("Facts naming a field this version does not know, or cut short, are refused")
    func damagedFactsAreRefused() {
        var unknown = BinaryWriter()
        unknown.u8(EventCodec.mailFactsTag)
        unknown.u16(0x400)
        EventCodec.encode(record, into: &unknown)
        #expect(throws: LogError.self) { try DurableRecord(position: 1, encoded: unknown.bytes) }
        let whole = record.encoded(mark: nil, mail: everyFact)
        #expect(throws: LogError.self) { try DurableRecord(position: 1, encoded: Array(whole.prefix(20))) }
    }

    @Test("An invitation's facts reach the log's followers from memory and, after a restart, from the segments")
    func followersReadTheFactsAfterARestart() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let first = try await DurableEngineTests.open(directory, clock: clock)
        let org = try await first.engine.createOrganisation(name: "Riverside Housing", by: .platformAdmin)
        _ = try await first.engine.invite(org: org, email: try EmailAddress("ada@example.org"), role: .caseworker, method: .email, by: .platformAdmin)
        let source = try #require(first.log as? FileLog)
        let live = try source.durableRecords(after: 0, limit: 10)
        #expect(live.map { $0.mail?.orgName } == [nil, "Riverside Housing"])
        first.close()

        let second = try await DurableEngineTests.open(directory, clock: clock)
        let reread = try #require(second.log as? FileLog).durableRecords(after: 0, limit: 10)
        #expect(reread == live)
        second.close()
    }
}
