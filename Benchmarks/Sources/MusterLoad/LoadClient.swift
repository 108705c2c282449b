import Histogram
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// One request of a workload, with what its answer must be.
struct LoadRequest: Sendable {
    var method: HTTPMethod
    var uri: String
    var bearer: String?
    /// A JSON body, or `nil`.
    var body: String?
    var expected: HTTPResponseStatus
    /// Operations the request performs: a bulk request counts its items.
    var operations = 1
    /// Checks a body whose status was right; returns what is wrong with it, or `nil`.
    var check: (@Sendable (String) -> String?)?
    /// Picks out what a setup phase keeps from a good answer (ids, tokens).
    var keep: (@Sendable (String) -> [String])?
}

/// Makes the requests of a run: called with the connection's index and how many requests
/// that connection has sent; `nil` ends the connection's work.
typealias RequestSource = @Sendable (_ connection: Int, _ sequence: Int) -> LoadRequest?

/// How a run paces itself and when it stops.
struct RunPlan: Sendable {
    var connections = 64
    /// Seconds of measured load after the warm-up; `nil` runs until every source is spent.
    var duration: Double?
    /// Seconds of load before measuring starts.
    var warmup = 0.0
    /// Requests per second over all connections (open loop, latency from the intended send
    /// time, so a stalled server cannot hide its queue); `nil` sends each request as soon as
    /// the previous answer arrives.
    var rate: Double?
}

/// What a run measured.
struct RunResult: Sendable {
    /// Latency of measured, correct answers in microseconds.
    var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    var requests = 0
    var operations = 0
    var wrong = 0
    /// The first few wrong answers, for the report.
    var wrongSamples: [String] = []
    var kept: [String] = []
    var seconds = 0.0

    mutating func merge(_ other: RunResult) {
        latency.add(other.latency)
        requests += other.requests
        operations += other.operations
        wrong += other.wrong
        wrongSamples += other.wrongSamples.prefix(max(0, 5 - wrongSamples.count))
        kept += other.kept
    }

    var operationsPerSecond: Double { seconds > 0 ? Double(operations) / seconds : 0 }
    var requestsPerSecond: Double { seconds > 0 ? Double(requests) / seconds : 0 }

    /// Latency at `percentile` in milliseconds.
    func milliseconds(_ percentile: Double) -> Double {
        Double(latency.valueAtPercentile(percentile)) / 1000
    }
}

/// Drives an HTTP/1.1 server over many keep-alive connections on SwiftNIO.
struct LoadClient: Sendable {
    let host: String
    let port: Int
    let group: MultiThreadedEventLoopGroup

    /// Runs `source` on `plan.connections` connections and merges what they measured.
    func run(_ plan: RunPlan, _ source: @escaping RequestSource) async throws -> RunResult {
        let start = NIODeadline.now()
        let measureFrom = start + .nanoseconds(Int64(plan.warmup * 1e9))
        let stopAt = plan.duration.map { measureFrom + .nanoseconds(Int64($0 * 1e9)) }
        let interval = plan.rate.map { Int64(1e9 * Double(plan.connections) / $0) }
        var futures = [EventLoopFuture<RunResult>]()
        for index in 0..<plan.connections {
            let loop = group.next()
            let promise = loop.makePromise(of: RunResult.self)
            // Spread the first sends of an open-loop run over one interval.
            let firstSend = start + .nanoseconds((interval ?? 0) * Int64(index) / Int64(plan.connections))
            let settings = LoadConnection.Settings(
                index: index,
                measureFrom: measureFrom,
                stopAt: stopAt,
                interval: interval,
                firstSend: firstSend,
                host: host,
                source: source
            )
            _ = try await ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(LoadConnection(settings, done: promise))
                    }
                }
                .connect(host: host, port: port).get()
            futures.append(promise.futureResult)
        }
        var total = RunResult()
        for future in futures { total.merge(try await future.get()) }
        let end = NIODeadline.now()
        total.seconds = Double((min(end, stopAt ?? end) - (plan.duration == nil ? start : measureFrom)).nanoseconds) / 1e9
        return total
    }

    /// Sends each request once, `connections` at a time, and returns what they kept; fails on
    /// any wrong answer, because later phases depend on it.
    func setUp(_ requests: [LoadRequest], connections: Int = 16) async throws -> [String] {
        let queue = RequestQueue(requests)
        let result = try await run(RunPlan(connections: min(connections, max(1, requests.count))), queue.source)
        guard result.wrong == 0 else { throw LoadError("setup: \(result.wrong) wrong answers, e.g. \(result.wrongSamples.first ?? "")") }
        return result.kept
    }
}

/// Hands each request of a list out once, to whichever connection asks next.
final class RequestQueue: Sendable {
    private let requests: [LoadRequest]
    private let next = Atomic<Int>(0)

    init(_ requests: [LoadRequest]) { self.requests = requests }

    var source: RequestSource {
        { [self] _, _ in
            let index = next.add(1, ordering: .relaxed).oldValue
            return index < requests.count ? requests[index] : nil
        }
    }
}

struct LoadError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One connection: sends a request, reads the whole answer, checks it, records its latency,
/// and sends the next — at once (closed loop) or at its scheduled time (open loop).
private final class LoadConnection: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    struct Settings: Sendable {
        var index: Int
        var measureFrom: NIODeadline
        var stopAt: NIODeadline?
        var interval: Int64?
        var firstSend: NIODeadline
        var host: String
        var source: RequestSource
    }

    private let settings: Settings
    private let done: EventLoopPromise<RunResult>
    private var result = RunResult()
    private var sequence = 0
    private var current: LoadRequest?
    private var sentAt = NIODeadline.now()
    private var intended: NIODeadline
    private var status = HTTPResponseStatus.ok
    private var body = ByteBuffer()
    private var finished = false

    init(_ settings: Settings, done: EventLoopPromise<RunResult>) {
        self.settings = settings
        self.done = done
        self.intended = settings.firstSend
    }

    func channelActive(context: ChannelHandlerContext) {
        scheduleOrSend(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = head.status
            body.clear()
        case .body(var part):
            body.writeBuffer(&part)
        case .end:
            answered(context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context: context, "connection error: \(error)")
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(context: context, "the server closed the connection")
    }

    private func answered(context: ChannelHandlerContext) {
        guard let request = current else { return }
        current = nil
        let now = NIODeadline.now()
        let text = String(buffer: body)
        var problem: String?
        if status != request.expected {
            problem = "\(request.method) \(request.uri): \(status.code) instead of \(request.expected.code): \(text.prefix(300))"
        } else if let check = request.check, let wrong = check(text) {
            problem = "\(request.method) \(request.uri): \(wrong)"
        }
        if let problem {
            result.wrong += 1
            if result.wrongSamples.count < 5 { result.wrongSamples.append(problem) }
        } else {
            if let keep = request.keep { result.kept += keep(text) }
            if now >= settings.measureFrom, settings.stopAt.map({ now <= $0 }) ?? true {
                let origin = settings.interval == nil ? sentAt : intended
                _ = result.latency.record(UInt64(max(0, (now - origin).nanoseconds / 1000)))
                result.requests += 1
                result.operations += request.operations
            }
        }
        if let stopAt = settings.stopAt, now >= stopAt { return complete(context: context) }
        if let interval = settings.interval { intended = intended + .nanoseconds(interval) }
        scheduleOrSend(context: context)
    }

    private func scheduleOrSend(context: ChannelHandlerContext) {
        if settings.interval != nil, intended > .now() {
            context.eventLoop.assumeIsolated().scheduleTask(deadline: intended) { self.send(context: context) }
        } else {
            send(context: context)
        }
    }

    private func send(context: ChannelHandlerContext) {
        guard !finished else { return }
        guard let request = settings.source(settings.index, sequence) else { return complete(context: context) }
        sequence += 1
        current = request
        var head = HTTPRequestHead(version: .http1_1, method: request.method, uri: request.uri)
        head.headers.add(name: "Host", value: settings.host)
        if let bearer = request.bearer { head.headers.add(name: "Authorization", value: "Bearer " + bearer) }
        var payload: ByteBuffer?
        if let body = request.body {
            let buffer = context.channel.allocator.buffer(string: body)
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: String(buffer.readableBytes))
            payload = buffer
        }
        sentAt = .now()
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let payload { context.write(wrapOutboundOut(.body(.byteBuffer(payload))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func fail(context: ChannelHandlerContext, _ reason: String) {
        guard !finished else { return }
        if current != nil {
            result.wrong += 1
            if result.wrongSamples.count < 5 { result.wrongSamples.append(reason) }
        }
        complete(context: context)
    }

    private func complete(context: ChannelHandlerContext) {
        guard !finished else { return }
        finished = true
        done.succeed(result)
        context.close(promise: nil)
    }
}
