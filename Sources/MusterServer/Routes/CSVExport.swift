import Hummingbird
import MusterDomain
import NIOCore

/// Lists as CSV (RFC 4180), for `?format=csv` or `Accept: text/csv`: the first page is read
/// before the answer starts, so a refusal is still a problem+json answer; the rest is streamed
/// page by page, each read with the same filters and permission checks as the JSON list.
struct CSVExport<Item: Sendable>: Sendable {
    /// The header row.
    var columns: [String]
    /// One row's cells, in the order of `columns`.
    var row: @Sendable (Item) -> [String?]
    /// Reads the page after `cursor` (nil: the first).
    var page: @Sendable (UInt64?) async throws -> Page<Item>

    /// An export of the fields `shape` marks for CSV, each row shown at `context`.
    init<Context: Sendable>(
        _ shape: WireShape<Item, Context>,
        at context: Context,
        page: @escaping @Sendable (UInt64?) async throws -> Page<Item>
    ) {
        self.columns = shape.csvColumns
        self.row = { item in shape.csvRow(item, context) }
        self.page = page
    }

    /// How many rows one streamed page reads: each page is one read on the org's actor, so a
    /// long export never holds it for long.
    static var pageSize: Int { 500 }

    /// The answer: its first page read now, the others as it is sent.
    func response(filename: String) async throws -> APIResponse {
        let first = try await page(nil)
        var head = Self.line(columns)
        for item in first.items { head += Self.line(row(item)) }
        var response = APIResponse(
            contentType: "text/csv; charset=utf-8",
            extraHeaders: [("Content-Disposition", "attachment; filename=\"\(filename)\"")],
            body: head
        )
        guard let second = first.nextCursor else { return response }
        let (page, row, firstBytes) = (page, row, head)
        response.stream = { writer in
            try await writer.write(ByteBuffer(bytes: firstBytes))
            var cursor = second
            while true {
                let next = try await page(cursor)
                var bytes = [UInt8]()
                for item in next.items { bytes += Self.line(row(item)) }
                try await writer.write(ByteBuffer(bytes: bytes))
                guard let after = next.nextCursor else { break }
                cursor = after
            }
        }
        return response
    }

    /// One CSV line: cells quoted when they hold a comma, a quote or a line break; a cell a
    /// spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR at its start) is
    /// prefixed with `'` so an export never executes what someone typed.
    static func line(_ cells: [String?]) -> [UInt8] {
        var out = [UInt8]()
        for (index, cell) in cells.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            guard var text = cell else { continue }
            if let first = text.utf8.first, [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D].contains(first) {
                text = "'" + text
            }
            if text.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }) {
                out.append(UInt8(ascii: "\""))
                for byte in text.utf8 {
                    if byte == UInt8(ascii: "\"") { out.append(byte) }
                    out.append(byte)
                }
                out.append(UInt8(ascii: "\""))
            } else {
                out += text.utf8
            }
        }
        out += [0x0D, 0x0A]
        return out
    }
}

extension Request {
    /// Whether the caller asked for CSV (`?format=csv` or `Accept: text/csv`); `format` must be
    /// `json` or `csv`.
    func wantsCSV() throws(Problem) -> Bool {
        switch query("format") {
        case "csv": return true
        case "json": return false
        case .some(let other): throw Problem.badRequest("`format` must be json or csv; got \"\(other)\"")
        case nil: return headers[.accept]?.contains("text/csv") == true
        }
    }
}
