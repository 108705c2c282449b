import Foundation

/// Reads the magic links that `muster serve` delivered to its mail folder (the file
/// transport), the way a person would find them in their inbox.
struct Mailbox {
    let folder: String

    /// The link tokens in emails to addresses that start with `prefix`, by recipient; waits up to `timeout` seconds until at least `expected` tokens have arrived.
    func tokens(recipientPrefix prefix: String, expected: Int, timeout: Double = 120) throws -> [String: [String]] {
        let deadline = Date().addingTimeInterval(timeout)
        var seen = Set<String>()
        var found = [String: [String]]()
        var count = 0
        while true {
            // The outbox makes the folder with its first email, which may not have gone yet.
            // One folder a day: `<folder>/<YYYY-MM-DD>/<id>.eml`.
            let days = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }
            let names = days.flatMap { day in
                ((try? FileManager.default.contentsOfDirectory(atPath: folder + "/" + day)) ?? []).map { day + "/" + $0 }
            }
            for name in names where name.hasSuffix(".eml") && !seen.contains(name) {
                seen.insert(name)
                guard let text = try? String(contentsOfFile: folder + "/" + name, encoding: .utf8),
                    let to = Self.header("To", in: text), to.hasPrefix(prefix),
                    let token = Self.token(in: text)
                else { continue }
                found[to, default: []].append(token)
                count += 1
            }
            if count >= expected { break }
            guard Date() < deadline else { throw LoadError("only \(count) of \(expected) emails arrived in \(folder) within \(Int(timeout)) s") }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return found
    }

    private static func header(_ name: String, in text: String) -> String? {
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: false) {
            if line.isEmpty { return nil }
            if line.hasPrefix(name + ": ") { return String(line.dropFirst(name.count + 2)) }
        }
        return nil
    }

    private static func token(in text: String) -> String? {
        // The bodies are quoted-printable: soft line breaks joined and `=3D` read back as `=`
        // (a token's own characters need no other escape).
        let text = text.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=3D", with: "=")
        guard let range = text.range(of: "?token=") else { return nil }
        return String(text[range.upperBound...].prefix { !$0.isWhitespace })
    }
}

/// Reads a field from a JSON answer (setup phases only; the measured phase checks bytes).
func jsonField(_ text: String, _ path: String...) -> Any? {
    var value: Any? = try? JSONSerialization.jsonObject(with: Data(text.utf8))
    for key in path {
        if let index = Int(key), let array = value as? [Any] {
            value = index < array.count ? array[index] : nil
        } else {
            value = (value as? [String: Any])?[key]
        }
    }
    return value
}
