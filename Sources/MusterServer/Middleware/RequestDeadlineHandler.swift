import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose client is too slow: one that does not finish a request's head
/// within `headTimeout` of connecting or of the previous response, or its body within
/// `bodyTimeout` of the head.
///
/// A slow client (slowloris) otherwise holds a connection, and its buffers, for as long as it
/// keeps trickling bytes, which an idle timeout alone never stops. While a request is being
/// answered no deadline runs, so a long poll is not cut off.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let headTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    /// Whether a request's head has arrived and its end has not.
    private var readingBody = false
    /// Requests read whole whose response has not been written to its end.
    private var answering = 0
    private var deadline: Scheduled<Void>?

    init(headTimeout: TimeAmount, bodyTimeout: TimeAmount) {
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { rearm(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        rearm(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            readingBody = true
            rearm(context: context)
        case .body:
            break
        case .end:
            readingBody = false
            answering += 1
            rearm(context: context)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            answering = max(0, answering - 1)
            rearm(context: context)
        }
        context.write(data, promise: promise)
    }

    /// Schedules the deadline that applies now, or none while requests are being answered.
    private func rearm(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        let timeout: TimeAmount
        if readingBody {
            timeout = bodyTimeout
        } else if answering == 0 {
            timeout = headTimeout
        } else {
            return
        }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            loopBound.value.close(promise: nil)
        }
    }
}
