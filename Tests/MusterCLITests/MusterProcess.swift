import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The `muster` binary, run as an operator would, with its output collected.
final class MusterProcess: Sendable {
    /// The binary, built beside the test bundle.
    static var binaryPath: String {
        let bundle = CommandLine.arguments[0]
        var directory = String(bundle[..<(bundle.lastIndex(of: "/") ?? bundle.startIndex)])
        // On Linux the test binary sits in the build folder; on macOS inside the .xctest bundle.
        while !directory.isEmpty, access(directory + "/muster", X_OK) != 0 {
            directory = String(directory[..<(directory.lastIndex(of: "/") ?? directory.startIndex)])
        }
        return directory + "/muster"
    }

    private let process: Process
    private let collected = Collected()

    /// The output, filled by the pipe's reader.
    private final class Collected: Sendable {
        let data = Mutex(Data())
        /// Whether the pipe has reached its end: every process holding its write end has closed it.
        let ended = Mutex(false)
    }

    /// Starts `muster <arguments>` (or another `executable`) in `directory`, without any
    /// `MUSTER_…` setting inherited, with `environment` added.
    init(_ arguments: [String], in directory: String, executable: String = MusterProcess.binaryPath, environment: [String: String] = [:]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MUSTER_") }.merging(environment) { _, given in given }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [collected] handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                collected.ended.withLock { $0 = true }
            } else {
                collected.data.withLock { $0.append(data) }
            }
        }
        try process.run()
    }

    /// Everything printed so far, standard output and error together.
    var output: String { collected.data.withLock { String(decoding: $0, as: UTF8.self) } }

    /// Waits up to `seconds` for the process to exit; its status, or nil if it still runs.
    func exitStatus(within seconds: Double) async throws -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        guard !process.isRunning else { return nil }
        // The last lines may still be in the pipe: read to its end, which comes when the process
        // and anything it started have closed it (a bounded wait, for a child that outlives it).
        let drained = Date().addingTimeInterval(5)
        while !collected.ended.withLock({ $0 }), Date() < drained { try await Task.sleep(for: .milliseconds(10)) }
        return process.terminationStatus
    }

    /// Sends SIGTERM, as a service manager stops a service.
    func terminate() { process.terminate() }

    /// Sends SIGKILL: the process ends at once, mid-write if it was writing.
    func kill() { _ = Glibc.kill(process.processIdentifier, SIGKILL) }

    /// Sends `signal` (SIGSTOP freezes the process, SIGCONT wakes it).
    func send(_ signal: Int32) { _ = Glibc.kill(process.processIdentifier, signal) }

    /// Whether the process still runs.
    var isRunning: Bool { process.isRunning }

    /// Runs `muster <arguments>` to its end and returns its status and output.
    static func run(
        _ arguments: [String],
        in directory: String = NSTemporaryDirectory(),
        within seconds: Double = 60
    ) async throws -> (
        status: Int32, output: String
    ) {
        let process = try MusterProcess(arguments, in: directory)
        guard let status = try await process.exitStatus(within: seconds) else {
            process.terminate()
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "muster \(arguments) did not finish: \(process.output)"])
        }
        return (status, process.output)
    }
}

/// Waits up to 30 s for the server on `port` to answer `/readyz` with 200; the last status it
/// answered, `nil` if it never did.
func readiness(port: Int) async throws -> Int? {
    var ready: Int?
    for _ in 0..<600 where ready != 200 {
        ready = await onThread { httpStatus(port: port, path: "/readyz") }
        if ready != 200 { try await Task.sleep(for: .milliseconds(50)) }
    }
    return ready
}

/// A folder for one test, removed when the test is done.
final class TemporaryFolder: Sendable {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "muster-cli-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A port nothing listens on now.
func freePort() -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A blocking TCP socket connected to `host:port` (from the local address `source`, when
/// given: all of 127/8 is this machine's), reads timing out after `timeoutSeconds`; nil when
/// nothing listens. The caller closes it.
func connectedSocket(port: Int, host: String, timeoutSeconds: Int, source: String? = nil) -> Int32? {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    /// Calls `call` (bind or connect) with `host:port` as a `sockaddr`.
    func on(_ host: String, port: Int, _ call: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
    guard source.map({ on($0, port: 0, bind) }) ?? true, on(host, port: port, connect) else {
        close(descriptor)
        return nil
    }
    var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    return descriptor
}

/// `GET path` on `127.0.0.1:port` over a plain socket; the status code, or nil when nothing answers.
func httpStatus(port: Int, path: String, host: String = "127.0.0.1") -> Int? {
    guard let descriptor = connectedSocket(port: port, host: host, timeoutSeconds: 5) else { return nil }
    defer { close(descriptor) }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    var buffer = [UInt8](repeating: 0, count: 64)
    let count = recv(descriptor, &buffer, buffer.count, 0)
    guard count >= 12 else { return nil }
    return Int(String(decoding: buffer[9..<12], as: UTF8.self))
}

/// Runs a blocking call off Swift's cooperative threads.
func onThread<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: body()) }
    }
}

/// One HTTP/1.1 request to `127.0.0.1:port` over a plain blocking socket, `Connection: close`;
/// the status and body, or nil when nothing answers or the connection breaks (a killed server).
func httpRequest(port: Int, method: String, path: String, token: String? = nil, body: String? = nil) -> (status: Int, body: Data)? {
    httpExchange(port: port, method: method, path: path, token: token, body: body).map { ($0.status, $0.body) }
}

/// Like ``httpRequest(port:method:path:token:body:)``, with the answer's head (lowercased).
func httpExchange(
    port: Int,
    method: String,
    path: String,
    token: String? = nil,
    body: String? = nil,
    headers: [String] = [],
    source: String? = nil
) -> (status: Int, body: Data, head: String)? {
    guard let descriptor = connectedSocket(port: port, host: "127.0.0.1", timeoutSeconds: 10, source: source) else { return nil }
    defer { close(descriptor) }
    var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
    if let token { head += "Authorization: Bearer \(token)\r\n" }
    for header in headers { head += header + "\r\n" }
    let payload = Array((body ?? "").utf8)
    if body != nil { head += "Content-Type: application/json\r\nContent-Length: \(payload.count)\r\n" }
    let request = Array((head + "\r\n").utf8) + payload
    let sent = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    guard sent == request.count else { return nil }
    var response = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 16384)
    while true {
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count > 0 else { break }
        response.append(contentsOf: buffer[0..<count])
    }
    guard response.count >= 12, let status = Int(String(decoding: response[9..<12], as: UTF8.self)) else { return nil }
    let separator = Array("\r\n\r\n".utf8)
    guard let end = (0...(response.count - 4)).first(where: { Array(response[$0..<$0 + 4]) == separator }) else { return nil }
    let headText = String(decoding: response[..<end], as: UTF8.self).lowercased()
    // A server killed mid-answer leaves a body shorter than it said: no answer at all.
    if let line = headText.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
        let length = Int(line.dropFirst(15).trimmingCharacters(in: .whitespaces)), response.count - end - 4 < length
    {
        return nil
    }
    return (status, Data(response[(end + 4)...]), headText)
}

/// A top-level string field of a JSON object.
func jsonString(_ body: Data, _ key: String) -> String? {
    (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?[key] as? String
}

/// A top-level whole-number field of a JSON object.
func jsonInteger(_ body: Data, _ key: String) -> Int? {
    (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?[key] as? Int
}
