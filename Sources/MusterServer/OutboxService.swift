import CoreMetrics
import Logging
import MusterDomain
import MusterEngine
import ServiceLifecycle

/// Delivers the outbox's emails in the background until shutdown: within a moment of being
/// queued, and again at each retry's due time.
struct OutboxService: Service {
    let outbox: MailOutbox
    let transport: any MailTransport
    let clock: any WallClock
    let logger: Logger
    let metrics: ServerMetrics
    var pollInterval: Duration = .milliseconds(50)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await deliverUntilCancelled()
        }
    }

    /// One pass: tries every email that is due now, in batches. Returns how many were delivered.
    @discardableResult
    func deliverDue() async -> Int {
        var delivered = 0
        while !Task.isCancelled {
            let due = await outbox.takeDue(at: clock.now(), limit: 256)
            if due.isEmpty { break }
            let failures = await transport.deliver(batch: due)
            let succeeded = due.filter { failures[$0.id] == nil }.map(\.id)
            await outbox.markDelivered(succeeded)
            metrics.mailDelivered.increment(by: succeeded.count)
            let now = clock.now()
            for message in due where failures[message.id] == nil {
                metrics.mailLag.recordMilliseconds(max(0, now.millisecondsSinceEpoch - message.queuedAt))
            }
            delivered += succeeded.count
            for message in due {
                guard let error = failures[message.id] else { continue }
                // The error names the transport's failure; the message and its link are not logged.
                logger.warning(
                    "email delivery failed; will retry", metadata: ["mail.id": "\(message.id)", "mail.kind": "\(message.kind)", "error": "\(error)"])
                metrics.mailFailed.increment()
                let permanent = (error as? SMTPError)?.isPermanent ?? false
                if await outbox.markFailed(message.id, error: "\(error)", at: clock.now(), permanent: permanent) {
                    metrics.mailAbandoned.increment()
                    logger.error("email given up", metadata: ["mail.id": "\(message.id)", "error": "\(error)"])
                } else {
                    metrics.mailRetries.increment()
                }
            }
        }
        return delivered
    }

    private func deliverUntilCancelled() async {
        while !Task.isCancelled {
            await deliverDue()
            // Polls: a new email waits at most `pollInterval`, which keeps the loop free of
            // wake-up plumbing at the cost of a few idle checks a second.
            try? await Task.sleep(for: pollInterval)
        }
    }
}
