import HTTPTypes
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import HummingbirdCore
import NIOCore
import NIOHTTP1

/// Closes a connection whose request line and headers do not arrive within `timeout` of the connection opening
/// or of the previous response ending (a client trickling a request byte by byte never counts as idle, so the
/// idle timeout alone would let it hold a connection forever). A long response (event stream, MJPEG) is not
/// timed: the clock restarts only when it ends.
///
/// Thread safety: a channel handler, confined to its channel's event loop.
final class HeaderTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let timeout: TimeAmount
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        if let codec = try? context.pipeline.syncOperations.handler(type: HTTP1ToHTTPServerCodec.self) {
            try? context.pipeline.syncOperations.addHandler(ConnectionCloseHandler(), position: .before(codec))
        }
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { disarm() }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { disarm() }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { arm(context) }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext) {
        disarm()
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            loopBound.value.close(promise: nil)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}

/// Closes the connection after the response to a request that did not ask for keep-alive — HTTP/1.1 with
/// `Connection: close` (any case, among other options) or HTTP/1.0 without `keep-alive`, HTTP/1.0's default,
/// which the HTTPTypes conversion forgets (the version is not carried) — and says so in that response
/// (`Connection: close`, RFC 9112 §9.6). Without the header a client takes the connection as kept alive and meets
/// the close as a read error (wrk counted one per request). Sits before that conversion, where the request head
/// still has its version and every response passes (a router's 404 too); `HeaderTimeoutHandler` puts it there.
///
/// Thread safety: a channel handler, confined to its channel's event loop.
final class ConnectionCloseHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var closeAfterResponse = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) { closeAfterResponse = !head.isKeepAlive }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard closeAfterResponse else {
            context.write(data, promise: promise)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(var head):
            head.headers.replaceOrAdd(name: "connection", value: "close")
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end:
            let p = promise ?? context.eventLoop.makePromise()
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            p.futureResult.whenComplete { _ in loopBound.value.close(promise: nil) }
            context.write(data, promise: p)
        case .body:
            context.write(data, promise: promise)
        }
    }
}
