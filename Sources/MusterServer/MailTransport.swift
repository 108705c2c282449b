import MusterLog

/// Where the outbox hands each email. A transport must be idempotent per message id: the
/// outbox delivers at least once, and again after a crash that lost the record of delivery.
protocol MailTransport: Sendable {
    func deliver(_ message: MailMessage) async throws
}

/// The default transport: each email one RFC 5322 file, `<folder>/<id>.eml`, written to a
/// temporary name, synced and renamed, so a reader never sees half a message.
struct FileMailTransport: MailTransport {
    let folder: String
    let sender: String
    var fileSystem: any LogFileSystem = PosixFileSystem()

    func deliver(_ message: MailMessage) async throws {
        let path = "\(folder)/\(message.id).eml"
        // Delivered before a crash that lost the outbox's note of it: not again.
        if fileSystem.exists(path) { return }
        try fileSystem.createDirectory(folder)
        let temporary = "\(folder)/.\(message.id).eml.tmp"
        try fileSystem.writeFile(temporary, Array(message.rfc5322(from: sender).utf8))
        try fileSystem.rename(temporary, to: path)
        try fileSystem.syncDirectory(folder)
    }
}
