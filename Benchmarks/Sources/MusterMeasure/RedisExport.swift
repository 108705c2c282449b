import MusterDomain
import MusterEngine
import MusterLog

#if canImport(Glibc)
import Glibc
#endif

/// Writes the invitations and collaborators of a data folder as Redis commands (RESP, for
/// `redis-cli --pipe`), the way a Redis user would keep them: a hash per row with only its
/// set fields (ids as text, times as epoch milliseconds, link checks as 16 raw bytes), and sets
/// for the listings and lookups Muster indexes — an org's invitations, pending invitation by
/// email, a tenant's team, a person's caseload.
struct RedisExport {
    var folder: String
    var output: String

    func run() async throws {
        let durable = try await DurableEngine.open(StoreOptions(dataDirectory: folder), secret: Array(repeating: 9, count: 32))
        let orgs = await durable.engine.orgStates()
        durable.close()
        guard let file = fopen(output, "w") else { throw MeasureError("cannot write \(output)") }
        defer { fclose(file) }
        var out = RESPWriter(file: file)
        var rows = 0
        for org in orgs {
            let orgID = org.id.description
            for invitation in org.invitations.rows {
                let key = "inv:\(invitation.id)"
                var fields: [(String, [UInt8])] = [
                    ("org", text(orgID)), ("email", text(invitation.email.description)), ("role", text(invitation.role.name)),
                    ("method", text(invitation.method.name)), ("status", text(invitation.status.name)),
                    ("invited_by", text("\(invitation.invitedBy)")),
                    ("created_at", millis(invitation.createdAt)), ("expires_at", millis(invitation.expiresAt)),
                    ("resend_count", text(String(invitation.resendCount))),
                ]
                if let at = invitation.acceptedAt { fields.append(("accepted_at", millis(at))) }
                if let user = invitation.acceptedBy { fields.append(("accepted_by", text(user.description))) }
                if let at = invitation.revokedAt { fields.append(("revoked_at", millis(at))) }
                if let by = invitation.revokedBy { fields.append(("revoked_by", text("\(by)"))) }
                if let reason = invitation.revokedReason { fields.append(("revoked_reason", text(reason))) }
                if let at = invitation.expiredAt { fields.append(("expired_at", millis(at))) }
                if let link = invitation.link { fields.append(("link", bytes(link))) }
                out.command([text("HSET"), text(key)] + fields.flatMap { [text($0.0), $0.1] })
                out.command([
                    text("ZADD"), text("org:\(orgID):invitations"), text(String(invitation.createdAt.millisecondsSinceEpoch)),
                    text(invitation.id.description),
                ])
                if invitation.status == .pending {
                    out.command([text("SET"), text("org:\(orgID):pending:\(invitation.email)"), text(invitation.id.description)])
                }
                rows += 1
            }
            for row in org.collaborators.rows {
                var fields: [(String, [UInt8])] = [
                    ("org", text(orgID)), ("tenant", text(row.tenantID.description)), ("mode", text(row.mode.name)),
                    ("invited_by", text("\(row.invitedBy)")), ("invited_at", millis(row.invitedAt)),
                ]
                if let user = row.userID { fields.append(("user_id", text(user.description))) }
                if let email = row.email { fields.append(("email", text(email.description))) }
                if let name = row.fullName { fields.append(("full_name", text(name))) }
                if let card = row.contact {
                    fields.append(("contact_name", text(card.name)))
                    if let email = card.email { fields.append(("contact_email", text(email.description))) }
                    if let phone = card.phone { fields.append(("contact_phone", text(phone))) }
                    if let name = card.organisationName { fields.append(("contact_organisation", text(name))) }
                    if let label = card.roleLabel { fields.append(("contact_role", text(label))) }
                }
                if let at = row.activatedAt { fields.append(("activated_at", millis(at))) }
                if let at = row.endedAt { fields.append(("ended_at", millis(at))) }
                if let link = row.link { fields.append(("link", bytes(link))) }
                if let at = row.linkExpiresAt { fields.append(("link_expires_at", millis(at))) }
                out.command([text("HSET"), text("collab:\(row.id)")] + fields.flatMap { [text($0.0), $0.1] })
                out.command([text("SADD"), text("tenant:\(row.tenantID):team"), text(row.id.description)])
                if let user = row.userID, row.isActive {
                    out.command([text("SADD"), text("user:\(user):caseload"), text(row.id.description)])
                }
                rows += 1
            }
        }
        out.flush()
        print("redis-export: \(rows) rows (invitations + collaborators) from \(orgs.count) orgs to \(output)")
        try write("records \(rows)\n", to: output + ".records")
    }

    private func text(_ value: String) -> [UInt8] { Array(value.utf8) }
    private func millis(_ value: Timestamp) -> [UInt8] { text(String(value.millisecondsSinceEpoch)) }
    private func bytes(_ link: LinkCheck) -> [UInt8] {
        let words: [UInt64]
        switch link {
        case .nonce(let nonce): words = [nonce.high, nonce.low]
        case .digest(let digest): words = [digest.word0, digest.word1]
        }
        return words.flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> ($0 * 8)) } }
    }
}

/// Buffers RESP arrays of bulk strings into a file.
private struct RESPWriter {
    let file: UnsafeMutablePointer<FILE>
    var buffer: [UInt8] = []

    mutating func command(_ parts: [[UInt8]]) {
        buffer += Array("*\(parts.count)\r\n".utf8)
        for part in parts {
            buffer += Array("$\(part.count)\r\n".utf8)
            buffer += part
            buffer += [13, 10]
        }
        if buffer.count > 1 << 20 { flush() }
    }

    mutating func flush() {
        _ = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        buffer.removeAll(keepingCapacity: true)
    }
}
