import ArgumentParser
import MusterDomain
import MusterEngine
import MusterLog
import MusterStorage

/// `muster log …`: inspect the write-ahead log without changing it.
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Inspect the write-ahead log.",
        subcommands: [Verify.self, Dump.self]
    )

    /// `muster log verify`: checks every frame; exits non-zero on any damage.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check every frame of the log and print a summary; exit 1 on damage.")

        @OptionGroup var options: DataFolderOptions

        func run() throws {
            do {
                let scan = try LogRecovery.scan(LogConfiguration(directory: options.logDirectory), repair: false)
                print("segments: \(scan.segments)")
                print("frames: \(scan.frames)")
                print("records: \(scan.records.count)")
                print("bytes: \(scan.bytes)")
                print("positions: \(scan.firstPosition.map { "\($0)…\(scan.tail.lastPosition)" } ?? "none")")
                if scan.truncations.isEmpty {
                    print("status: ok")
                } else {
                    for truncation in scan.truncations { print("damage: \(truncation)") }
                    print("status: damaged (a torn tail; the next start cuts it)")
                    throw ExitCode(1)
                }
            } catch let error as LogError {
                print("status: damaged: \(error)")
                throw ExitCode(1)
            }
        }
    }

    /// `muster log dump`: the events as JSON lines.
    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every event of the log as one JSON object a line.")

        @OptionGroup var options: DataFolderOptions

        @Option(help: "Print only records after this log position.")
        var after: UInt64 = 0

        func run() throws {
            let scan = try LogRecovery.scan(LogConfiguration(directory: options.logDirectory), after: after, repair: false)
            for entry in scan.records {
                // A change made by a request with an Idempotency-Key says which.
                let mark: [(name: String, value: FieldValue)] = entry.mark.map { [("idempotency_key", .string($0.key))] } ?? []
                switch entry.record {
                case .org(let orgID, let events):
                    for event in events {
                        print(
                            JSONLine.render(
                                position: entry.position,
                                stream: "org:\(orgID)",
                                sequence: event.sequence,
                                at: event.at,
                                actor: event.actor,
                                type: event.event.kind.name,
                                fields: event.event.fields + mark
                            )
                        )
                    }
                case .directory(let events):
                    for event in events {
                        print(
                            JSONLine.render(
                                position: entry.position,
                                stream: "directory",
                                sequence: event.sequence,
                                at: event.at,
                                actor: event.actor,
                                type: event.event.name,
                                fields: event.event.fields + mark
                            )
                        )
                    }
                }
            }
        }
    }
}

/// Renders one event as a JSON object on one line.
enum JSONLine {
    static func render(
        position: LogPosition,
        stream: String,
        sequence: UInt64,
        at: Timestamp,
        actor: Principal,
        type: String,
        fields: [(name: String, value: FieldValue)]
    ) -> String {
        let data = fields.map { "\(quote($0.name)):\(value($0.value))" }.joined(separator: ",")
        return
            "{\"position\":\(position),\"stream\":\(quote(stream)),\"sequence\":\(sequence),\"at\":\(quote(at.iso8601)),\"actor\":\(quote(actor.description)),\"type\":\(quote(type)),\"data\":{\(data)}}"
    }

    static func value(_ value: FieldValue) -> String {
        switch value {
        case .string(let text): quote(text)
        case .integer(let number): String(number)
        case .boolean(let flag): flag ? "true" : "false"
        case .strings(let texts): "[" + texts.map(quote).joined(separator: ",") + "]"
        case .null: "null"
        }
    }

    static func quote(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
