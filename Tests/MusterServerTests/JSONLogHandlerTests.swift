import Foundation
import Logging
import Testing

@testable import MusterServer

#if canImport(Glibc)
import Glibc
#endif

/// `--log-format json`: every entry one line of valid JSON, whatever the message holds.
@Suite("JSON log lines")
struct JSONLogHandlerTests {
    /// The lines `body` logs through a JSON handler, read back from a pipe.
    private func lines(_ body: (inout Logger) -> Void) throws -> [[String: Any]] {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        var logger = Logger(label: "test") { label in JSONLogHandler(label: label, descriptor: ends[1]) }
        logger.logLevel = .debug
        body(&logger)
        close(ends[1])
        var bytes = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(ends[0], &buffer, buffer.count)
            guard count > 0 else { break }
            bytes += buffer[..<count]
        }
        close(ends[0])
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasSuffix("\n"))
        return try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
    }

    @Test("A message with quotes, newlines and control characters stays one line of JSON that reads back exactly")
    func awkwardMessagesStayOneLine() throws {
        let message = "He said \"stop\"\nthen left\t\u{1}; path C:\\temp — café"
        let read = try lines { $0.warning("\(message)") }
        #expect(read.count == 1)
        #expect(read[0]["message"] as? String == message)
        #expect(read[0]["level"] as? String == "warning" && read[0]["logger"] as? String == "test")
        #expect((read[0]["time"] as? String)?.hasSuffix("Z") == true)
    }

    @Test("Metadata are fields, nested values stay nested, and Hummingbird's request id is written as request_id")
    func metadataAreFields() throws {
        let read = try lines { logger in
            logger[metadataKey: "hb.request.id"] = "abc123"
            logger.info("served", metadata: ["status": "201", "route": .dictionary(["path": "/v1/orgs", "ids": .array(["1", "2"])])])
        }
        #expect(read.count == 1)
        #expect(read[0]["request_id"] as? String == "abc123" && read[0]["hb.request.id"] == nil)
        #expect(read[0]["status"] as? String == "201")
        let route = try #require(read[0]["route"] as? [String: Any])
        #expect(route["path"] as? String == "/v1/orgs" && route["ids"] as? [String] == ["1", "2"])
    }
}
