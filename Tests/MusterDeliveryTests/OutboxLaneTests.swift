import Foundation
import MusterDomain
import Testing

@testable import MusterDelivery

/// The outbox's two lanes: what a person waits for goes ahead of a backlog of invitations,
/// and each person's own emails keep their order.
@Suite("The outbox's lanes")
struct OutboxLaneTests {
    private func message(_ kind: String, to: String, position: UInt64) -> MailMessage {
        MailMessage(id: "\(position)-0", kind: kind, to: to, subject: "Hello", text: "Hi", queuedAt: Int64(position), position: position)
    }

    private func invitations(_ positions: ClosedRange<UInt64>) -> [MailMessage] {
        positions.map { message("invitation", to: "bulk\($0)@example.org", position: $0) }
    }

    @Test("Each kind of email has its lane: new invitations are bulk, everything a person waits for is urgent")
    func eachKindHasItsLane() {
        #expect(message("invitation", to: "a@example.org", position: 1).lane == .bulk)
        for kind in ["invitation_resent", "collaborator_invitation", "sign_in_link"] {
            #expect(message(kind, to: "a@example.org", position: 1).lane == .urgent, "\(kind)")
        }
    }

    @Test("An urgent email read in order is taken before every invitation queued ahead of it")
    func urgentGoesFirstWithinTheWindow() async {
        let outbox = MailOutbox()
        await outbox.enqueue(invitations(1...300) + [message("sign_in_link", to: "waiting@example.org", position: 301)], through: 301)
        let first = await outbox.takeDue(at: Timestamp(millisecondsSinceEpoch: 1), limit: 10)
        #expect(first.first?.to == "waiting@example.org")
        #expect(first.dropFirst().map(\.position) == Array(1...9))
    }

    @Test(
        "A sign-in link read ahead of a backlog the in-order reading has not reached goes first, and is not queued again when that reading reaches it"
    )
    func readingAheadExpeditesOnce() async {
        let outbox = MailOutbox()
        await outbox.enqueue(invitations(1...100), through: 100)
        let link = message("sign_in_link", to: "waiting@example.org", position: 5000)
        await outbox.enqueueAhead([link], through: 5000, passing: (101...4999).map { ("bulk\($0)@example.org", $0) })
        #expect(await outbox.takeDue(at: Timestamp(millisecondsSinceEpoch: 1), limit: 1).map(\.id) == [link.id])
        await outbox.markDelivered([link.id])
        // The in-order reading reaches the link's record: it passes over it.
        #expect(await outbox.expeditedIDs() == [link.id])
        await outbox.enqueue([link], through: 5000)
        #expect(await outbox.pendingItems().allSatisfy { $0.message.id != link.id }, "delivered once")
        #expect(await outbox.expeditedIDs().isEmpty)
    }

    @Test("An urgent email to someone whose earlier invitation is undelivered is not taken ahead, and is queued behind it")
    func aPersonsEmailsKeepTheirOrder() async {
        let outbox = MailOutbox()
        await outbox.enqueue(invitations(1...10) + [message("invitation", to: "bo@example.org", position: 11)], through: 11)
        // Bo's invitation is still queued; another person's invitation is passed over ahead.
        let resend = MailMessage(
            id: "20-0",
            kind: "invitation_resent",
            to: "bo@example.org",
            subject: "Again",
            text: "Hi",
            queuedAt: 20,
            position: 20
        )
        let passedCollaborator = message("collaborator_invitation", to: "cy@example.org", position: 30)
        await outbox.enqueueAhead([resend, passedCollaborator], through: 30, passing: [("cy@example.org", 25)])
        #expect(await outbox.expeditedIDs().isEmpty, "neither Bo's resend nor Cy's link (an invitation to Cy at 25 was passed) is taken ahead")
        // In order, Bo's resend goes behind Bo's invitation.
        await outbox.enqueue([resend], through: 20)
        let due = await outbox.takeDue(at: Timestamp(millisecondsSinceEpoch: 100), limit: 100).map(\.id)
        #expect(due.firstIndex(of: "11-0")! < due.firstIndex(of: "20-0")!)
    }

    @Test("A second resend read ahead does not overtake the first, still queued behind a backlog after the invitation went")
    func aSecondResendWaitsForTheFirst() async {
        let outbox = MailOutbox()
        let invitation = message("invitation", to: "al@example.org", position: 1)
        let firstResend = message("invitation_resent", to: "al@example.org", position: 2)
        await outbox.enqueue([invitation, firstResend] + invitations(3...100), through: 100)
        #expect(await outbox.takeDue(at: Timestamp(millisecondsSinceEpoch: 1), limit: 1).map(\.id) == [invitation.id])
        await outbox.markDelivered([invitation.id])
        // The first resend is still in the bulk lane, behind 98 invitations.
        await outbox.enqueueAhead([message("invitation_resent", to: "al@example.org", position: 500)], through: 500, passing: [])
        #expect(await outbox.expeditedIDs().isEmpty)
    }

    @Test("An urgent email held back by the reading ahead holds back the person's later urgent emails too")
    func aHeldEmailHoldsLaterOnes() async {
        let outbox = MailOutbox()
        await outbox.enqueue(invitations(1...10), through: 10)
        await outbox.enqueueAhead([message("invitation_resent", to: "al@example.org", position: 20)], through: 30, passing: [("al@example.org", 15)])
        await outbox.enqueue([message("invitation", to: "al@example.org", position: 15)], through: 15)
        await outbox.markDelivered(["15-0"])
        await outbox.enqueueAhead([message("invitation_resent", to: "al@example.org", position: 40)], through: 40, passing: [])
        #expect(await outbox.expeditedIDs().isEmpty, "the resend at 40 would overtake the one at 20")
    }

    @Test("The cursor never passes the in-order reading, even when every email read ahead is delivered")
    func theCursorStaysBehindTheInOrderReading() async {
        let outbox = MailOutbox()
        await outbox.enqueue(invitations(1...3), through: 3)
        await outbox.markDelivered(["1-0", "2-0", "3-0"])
        let link = message("sign_in_link", to: "waiting@example.org", position: 900)
        await outbox.enqueueAhead([link], through: 900, passing: [])
        await outbox.markDelivered([link.id])
        #expect(await outbox.advanceCursor() == 3)
    }

    @Test("The oldest pending email and the count in each lane are reported")
    func backlogIsReported() async {
        let outbox = MailOutbox()
        #expect(await outbox.oldestPendingQueuedAt() == nil)
        await outbox.enqueue(invitations(4...6) + [message("sign_in_link", to: "w@example.org", position: 7)], through: 7)
        #expect(await outbox.oldestPendingQueuedAt() == 4)
        let lanes = await outbox.pendingByLane()
        #expect(lanes.urgent == 1 && lanes.bulk == 3)
        // Delivered, given up, or only retrying: the counts follow each email out, or keep it.
        await outbox.markDelivered(["4-0", "7-0"])
        await outbox.markFailed("5-0", error: "550 no such mailbox", at: Timestamp(millisecondsSinceEpoch: 10), permanent: true)
        await outbox.markFailed("6-0", error: "451 try later", at: Timestamp(millisecondsSinceEpoch: 10))
        let after = await outbox.pendingByLane()
        #expect(after.urgent == 0 && after.bulk == 1, "\(after)")
    }
}
