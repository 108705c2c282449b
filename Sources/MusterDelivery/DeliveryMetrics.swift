import CoreMetrics

/// The counters and timers of the mail outbox and the webhook deliveries, made by the server's
/// metrics factory so they are served at `/metrics` with the rest.
package final class DeliveryMetrics: Sendable {
    let mailDelivered: CoreMetrics.Counter
    let mailFailed: CoreMetrics.Counter
    let mailRetries: CoreMetrics.Counter
    let mailAbandoned: CoreMetrics.Counter
    /// From an email's queueing to its delivery.
    let mailLag: CoreMetrics.Timer
    /// Durable log records the outbox has not yet finished with.
    let outboxLag: CoreMetrics.Gauge
    /// Emails read from the log and waiting, in each lane.
    let outboxPendingUrgent: CoreMetrics.Gauge
    let outboxPendingBulk: CoreMetrics.Gauge
    /// How long the oldest email still waiting has waited.
    let outboxOldestPending: CoreMetrics.Gauge
    let webhookDelivered: CoreMetrics.Counter
    let webhookFailed: CoreMetrics.Counter
    let webhookRetries: CoreMetrics.Counter
    package let webhookPaused: CoreMetrics.Counter
    /// From an event's time to its delivery to a webhook.
    let webhookLag: CoreMetrics.Timer

    /// The metrics, made by `factory`; the lag timers by `lagFactory`, whose buckets should
    /// span milliseconds to an hour (a receiver may be down for a while).
    package init(factory: any MetricsFactory, lagFactory: any MetricsFactory) {
        mailDelivered = CoreMetrics.Counter(label: "muster_mail_delivered_total", factory: factory)
        mailFailed = CoreMetrics.Counter(label: "muster_mail_failed_attempts_total", factory: factory)
        mailRetries = CoreMetrics.Counter(label: "muster_mail_retries_total", factory: factory)
        mailAbandoned = CoreMetrics.Counter(label: "muster_mail_abandoned_total", factory: factory)
        outboxLag = CoreMetrics.Gauge(label: "muster_outbox_lag_records", factory: factory)
        outboxPendingUrgent = CoreMetrics.Gauge(label: "muster_outbox_pending", dimensions: [("lane", "urgent")], factory: factory)
        outboxPendingBulk = CoreMetrics.Gauge(label: "muster_outbox_pending", dimensions: [("lane", "bulk")], factory: factory)
        outboxOldestPending = CoreMetrics.Gauge(label: "muster_outbox_oldest_pending_seconds", factory: factory)
        webhookDelivered = CoreMetrics.Counter(label: "muster_webhook_delivered_total", factory: factory)
        webhookFailed = CoreMetrics.Counter(label: "muster_webhook_failed_attempts_total", factory: factory)
        webhookRetries = CoreMetrics.Counter(label: "muster_webhook_retries_total", factory: factory)
        webhookPaused = CoreMetrics.Counter(label: "muster_webhook_paused_total", factory: factory)
        mailLag = CoreMetrics.Timer(label: "muster_mail_delivery_lag_seconds", factory: lagFactory)
        webhookLag = CoreMetrics.Timer(label: "muster_webhook_delivery_lag_seconds", factory: lagFactory)
    }
}
