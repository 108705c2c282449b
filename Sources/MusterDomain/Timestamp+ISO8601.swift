extension Timestamp {
    /// The time as ISO 8601 in UTC with milliseconds, for example `2026-01-01T09:30:00.000Z`.
    public var iso8601: String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(24)
        appendISO8601(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the ISO 8601 form (`2026-11-21T09:30:00.000Z`, 24 bytes for years 0000–9999)
    /// to `bytes`, digit by digit: answers write every time this way, with no string made.
    public func appendISO8601(to bytes: inout [UInt8]) {
        let milliseconds = millisecondsSinceEpoch
        let days = milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000
        let millisecondOfDay = milliseconds - days * 86_400_000
        // Howard Hinnant's civil-from-days algorithm.
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        if (0...9999).contains(year) {
            // The usual case, written whole into 24 bytes and appended at once.
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { text in
                func put(_ value: Int64, _ digits: Int, at offset: Int) {
                    var rest = value
                    for index in stride(from: offset + digits - 1, through: offset, by: -1) {
                        text[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                        rest /= 10
                    }
                }
                put(year, 4, at: 0)
                text[4] = UInt8(ascii: "-")
                put(month, 2, at: 5)
                text[7] = UInt8(ascii: "-")
                put(day, 2, at: 8)
                text[10] = UInt8(ascii: "T")
                put(millisecondOfDay / 3_600_000, 2, at: 11)
                text[13] = UInt8(ascii: ":")
                put(millisecondOfDay / 60_000 % 60, 2, at: 14)
                text[16] = UInt8(ascii: ":")
                put(millisecondOfDay / 1000 % 60, 2, at: 17)
                text[19] = UInt8(ascii: ".")
                put(millisecondOfDay % 1000, 3, at: 20)
                text[23] = UInt8(ascii: "Z")
                bytes.append(contentsOf: UnsafeBufferPointer(text))
            }
            return
        }
        bytes.appendDecimal(year, minimumDigits: 4)
        bytes.append(UInt8(ascii: "-"))
        bytes.appendDecimal(month, minimumDigits: 2)
        bytes.append(UInt8(ascii: "-"))
        bytes.appendDecimal(day, minimumDigits: 2)
        bytes.append(UInt8(ascii: "T"))
        bytes.appendDecimal(millisecondOfDay / 3_600_000, minimumDigits: 2)
        bytes.append(UInt8(ascii: ":"))
        bytes.appendDecimal(millisecondOfDay / 60_000 % 60, minimumDigits: 2)
        bytes.append(UInt8(ascii: ":"))
        bytes.appendDecimal(millisecondOfDay / 1000 % 60, minimumDigits: 2)
        bytes.append(UInt8(ascii: "."))
        bytes.appendDecimal(millisecondOfDay % 1000, minimumDigits: 3)
        bytes.append(UInt8(ascii: "Z"))
    }
}

extension Timestamp {
    /// Parses ISO 8601 in the form the API writes — `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)` —
    /// or returns `nil`; a time without a zone is refused rather than guessed.
    public init?(iso8601 text: String) {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= bytes.count else { return nil }
            var value: Int64 = 0
            for index in range {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
            }
            return value
        }
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            year >= 1, (1...12).contains(month), (1...Self.days(inMonth: month, of: year)).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        var milliseconds: Int64 = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale: Int64 = 100
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                milliseconds += Int64(bytes[index] - UInt8(ascii: "0")) * scale
                scale /= 10
                index += 1
            }
            guard index > start, index < bytes.count else { return nil }
        }
        var offsetMinutes: Int64 = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == bytes.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.count, bytes[index + 3] == UInt8(ascii: ":"), let hours = number(index + 1..<index + 3),
                let minutes = number(index + 4..<index + 6), hours < 24, minutes < 60
            else { return nil }
            offsetMinutes = (hours * 60 + minutes) * (bytes[index] == UInt8(ascii: "+") ? 1 : -1)
        default:
            return nil
        }
        // Days from civil (Howard Hinnant), the inverse of `iso8601`.
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
        self.init(millisecondsSinceEpoch: seconds * 1000 + milliseconds)
    }
}

extension Timestamp {
    /// The number of days in `month` (1–12) of `year` in the proleptic Gregorian calendar, so
    /// that `2026-02-31` is refused rather than moved to March.
    static func days(inMonth month: Int64, of year: Int64) -> Int64 {
        switch month {
        case 2:
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            return leap ? 29 : 28
        case 4, 6, 9, 11:
            return 30
        default:
            return 31
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` in decimal, with leading zeros up to `minimumDigits`, digit by digit:
    /// times and numbers in answers are written this way, with no string made.
    public mutating func appendDecimal(_ value: some BinaryInteger, minimumDigits: Int = 1) {
        if value < 0 { append(UInt8(ascii: "-")) }
        var magnitude = UInt64(value.magnitude)
        let width = Swift.max(minimumDigits, 20)
        // From the last digit back into a buffer on the stack, then appended at once.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: width) { digits in
            var start = width
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            while width - start < minimumDigits {
                start -= 1
                digits[start] = UInt8(ascii: "0")
            }
            append(contentsOf: UnsafeBufferPointer(rebasing: digits[start..<width]))
        }
    }
}
