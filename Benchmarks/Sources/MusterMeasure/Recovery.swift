#if canImport(Glibc)
import Glibc
#endif

/// Times `muster serve` from process start to `/readyz` answering 200 on a generated data
/// folder, in three modes on copies of it: from a snapshot only, from the log only, and from
/// the snapshot plus the log after it; reads the server's resident memory once ready.
struct RecoveryTimer {
    var folder: String
    var muster: String
    var port = 18_080

    func run(modes: [String]) throws {
        let generated = try readFile(folder + "/generated.txt")
        let numbers = Dictionary(
            uniqueKeysWithValues: generated.split(separator: "\n").map { line in
                let parts = line.split(separator: " ")
                return (String(parts[0]), Double(parts[1]) ?? 0)
            }
        )
        let records = numbers["records"] ?? 0
        let events = numbers["events"] ?? 0
        for mode in modes {
            let copy = "\(folder).\(mode)"
            try shell("rm -rf '\(copy)' && cp -a '\(folder)' '\(copy)'")
            switch mode {
            case "log": try shell("rm -rf '\(copy)/snapshots'")
            case "snapshot": try shell("'\(muster)' snapshot --data-dir '\(copy)' > /dev/null")
            case "tail": break
            default: throw MeasureError("unknown recovery mode \(mode): snapshot, log or tail")
            }
            // The copy was just written, so its files are in the page cache: this times a warm
            // restart, as an operator's restart on the same machine is.
            let started = seconds()
            let pid = try spawn([
                muster, "serve", "--data-dir", copy, "--port", String(port), "--admin-token", String(repeating: "b", count: 32), "--log-level",
                "warning",
            ])
            while !isReady(port: port) {
                guard processIsAlive(pid) else { throw MeasureError("muster serve exited before it was ready (mode \(mode))") }
                usleep(2000)
            }
            let elapsed = seconds() - started
            let resident = residentKilobytes(of: pid)
            let peak = residentKilobytes(of: pid, field: "VmHWM")
            kill(pid, SIGTERM)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            let perRecord = Double(resident) * 1024 / records
            var line =
                "recover \(mode): ready in \(String(format: "%.3f", elapsed)) s; resident \(resident / 1024) MB = \(Int(perRecord)) bytes per collaborator or invitation (\(Int(records)) of them); peak \(peak / 1024) MB"
            if mode == "log" { line += "; replay \(Int(events / elapsed)) events/s" }
            print(line)
            print(
                String(
                    format: "RESULT recover=%@ seconds=%.3f resident_mb=%d peak_mb=%d bytes_per_record=%.0f",
                    mode,
                    elapsed,
                    resident / 1024,
                    peak / 1024,
                    perRecord
                )
            )
            try shell("rm -rf '\(copy)'")
        }
    }

    /// Whether `GET /readyz` answers 200 now.
    private func isReady(port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return false }
        let request = Array("GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)
        guard write(socket, request, request.count) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(socket, &buffer, 64)
        return count >= 12 && String(decoding: buffer[0..<12], as: UTF8.self) == "HTTP/1.1 200"
    }
}

struct MeasureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func spawn(_ arguments: [String]) throws -> pid_t {
    var pid: pid_t = 0
    var argv = arguments.map { strdup($0) } + [nil]
    defer { for argument in argv { free(argument) } }
    let result = posix_spawn(&pid, arguments[0], nil, nil, &argv, environ)
    guard result == 0 else { throw MeasureError("cannot start \(arguments[0]): error \(result)") }
    return pid
}

func shell(_ command: String) throws {
    let pid = try spawn(["/bin/sh", "-c", command])
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    guard status == 0 else { throw MeasureError("`\(command)` failed with status \(status)") }
}

func processIsAlive(_ pid: pid_t) -> Bool {
    var status: Int32 = 0
    return waitpid(pid, &status, WNOHANG) == 0
}

func readFile(_ path: String) throws -> String {
    guard let file = fopen(path, "r") else { throw MeasureError("cannot read \(path)") }
    defer { fclose(file) }
    var text = ""
    var buffer = [CChar](repeating: 0, count: 4096)
    while fgets(&buffer, 4096, file) != nil { text += String(cString: buffer) }
    return text
}

func write(_ text: String, to path: String) throws {
    guard let file = fopen(path, "w") else { throw MeasureError("cannot write \(path)") }
    defer { fclose(file) }
    fputs(text, file)
}

func seconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// The resident set size in kB of `pid` (default: this process), from /proc; `VmHWM` for its
/// peak so far.
func residentKilobytes(of pid: pid_t? = nil, field: String = "VmRSS") -> Int {
    let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
    guard let text = try? readFile(path) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.split(separator: " ")[1]) ?? 0
    }
    return 0
}
