import NIOCore
import NIOHTTP1

/// Serves `POST /api/v2/log/entries` on the connection's event loop, ahead of Hummingbird's
/// router; every other request passes through to Hummingbird untouched.
///
/// Appends are the log's hot path. Through the router each one crossed from the event loop to a
/// connection task and back, with the request and response converted on the way. Here the
/// handler sits right after NIO's HTTP/1 decoder and encoder, before the conversion to HTTP
/// types (``LogHTTP1Channel``): the body is collected on the event loop, then one task checks the
/// entry (parse, key, signature) and waits for the sequencer, and the answer is written as NIO
/// HTTP/1 parts. The answers are the same bytes ``LogAPI`` gives (the route stays registered in
/// the router too, for paths this handler does not match exactly).
///
/// HTTP/1.1 order is kept: a request waits (its parts queued, the socket no longer read once
/// ``maxQueuedParts`` are waiting) while an earlier one, this handler's or Hummingbird's, is
/// unanswered. A graceful shutdown or the client's half-close is passed on only after the
/// append in progress is answered, so an acknowledged entry is always answered.
final class EntryAppendHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The path served here (a query string is ignored, as the router ignores it).
    static let path = "/api/v2/log/entries"
    /// The route name the metrics count these requests under (the router's).
    static let route = "/api/v2/log/entries"
    /// How many request parts may wait behind an unanswered request before reading stops.
    static let maxQueuedParts = 64

    private enum State {
        /// Between requests.
        case idle
        /// Passing a request's parts to Hummingbird until its end.
        case forwarding
        /// Collecting an append's body.
        case collecting(body: ByteBuffer, started: ContinuousClock.Instant)
        /// The request was answered early (413); its remaining parts are dropped.
        case discarding
        /// Waiting for the sequencer; the answer is not written yet.
        case answering
    }

    private let api: LogAPI
    /// The header fields every answer has (the length and `Connection` are added per answer).
    private let answerHeaders: HTTPHeaders
    private var state = State.idle
    private var closeAfterAnswer = false
    /// Requests passed to Hummingbird whose answers have not ended yet.
    private var forwardedUnanswered = 0
    private var queued = CircularBuffer<HTTPServerRequestPart>()
    /// Inbound events (shutdown, half-close) held until the append in progress is answered.
    private var heldEvents: [Any] = []
    private var readHeld = false
    private var drainScheduled = false
    private var draining = false
    /// Parts passed to Hummingbird so far (wrapping), to know whether a drain passed any.
    private var forwardedParts = 0
    private var isActive = true

    init(api: LogAPI, serverName: String?) {
        self.api = api
        var headers: HTTPHeaders = ["Content-Type": "application/json", "Cache-Control": "no-store"]
        if let serverName { headers.add(name: "Server", value: serverName) }
        self.answerHeaders = headers
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if !queued.isEmpty || !handle(part, context: context) {
            queued.append(part)
        }
    }

    /// Handles one part; false when it has to wait for an earlier answer.
    private func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) -> Bool {
        switch state {
        case .forwarding:
            forward(part, context: context)
            if case .end = part { state = .idle }
        case .collecting(var body, let started):
            switch part {
            case .head:
                // The HTTP decoder never sends a head before the previous end.
                answer(LogAPIError.badRequest("invalidRequest", "a request began inside another"), context: context)
                state = .discarding
            case .body(let chunk):
                guard body.readableBytes + chunk.readableBytes <= api.maxRequestBytes else {
                    answer(api.tooLarge, context: context)
                    state = .discarding
                    return true
                }
                state = .idle  // drop the buffer's reference so the append below does not copy it
                body.writeImmutableBuffer(chunk)
                state = .collecting(body: body, started: started)
            case .end:
                state = .answering
                append(body, started: started, context: context)
            }
        case .discarding:
            if case .end = part { finishAnswer(context: context) }
        case .answering:
            return false
        case .idle:
            guard case .head(let request) = part else {
                // A stray part: Hummingbird reports the protocol error.
                forward(part, context: context)
                return true
            }
            if request.method == .POST, Self.isAppendPath(request.uri) {
                guard forwardedUnanswered == 0 else { return false }
                // HTTP/1.1 keeps the connection unless told `close`; HTTP/1.0 closes it unless told `keep-alive`.
                closeAfterAnswer = !request.isKeepAlive
                if let length = request.headers.first(name: "content-length").flatMap({ Int($0) }), length > api.maxRequestBytes {
                    answer(api.tooLarge, context: context)
                    state = .discarding
                } else {
                    state = .collecting(body: context.channel.allocator.buffer(capacity: 2048), started: .now)
                }
            } else {
                forwardedUnanswered += 1
                state = .forwarding
                forward(part, context: context)
            }
        }
        return true
    }

    private func forward(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        forwardedParts &+= 1
        context.fireChannelRead(wrapInboundOut(part))
    }

    static func isAppendPath(_ path: String) -> Bool {
        path.utf8.split(separator: UInt8(ascii: "?"), maxSplits: 1, omittingEmptySubsequences: false).first
            .map { $0.elementsEqual(Self.path.utf8) } ?? false
    }

    /// Checks the request and waits for the sequencer in a task, off the event loop.
    private func append(_ body: ByteBuffer, started: ContinuousClock.Instant, context: ChannelHandlerContext) {
        let api = self.api
        let promise = context.eventLoop.makePromise(of: [UInt8].self)
        promise.completeWithTask {
            let checked = try api.checkEntry(body: body.readableBytesView)
            return try await api.appendChecked(checked.entry, leaf: checked.leaf, started: started)
        }
        promise.futureResult.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let bytes):
                self.write(status: .created, body: bytes, context: context)
                self.api.metrics.request(route: Self.route, status: 201)
            case .failure(let error):
                self.answer(self.api.failure(error), context: context)
            }
            self.finishAnswer(context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelShouldQuiesceEvent, ChannelEvent.inputClosed as ChannelEvent:
            if isBusy {
                heldEvents.append(event)
                return
            }
        default:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        isActive = false
        queued.removeAll()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        isActive = false
    }

    /// Whether an append is being read or answered, or requests wait behind one.
    private var isBusy: Bool {
        switch state {
        case .collecting, .answering, .discarding: true
        case .idle, .forwarding: !queued.isEmpty
        }
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        if case .end = unwrapOutboundIn(data) {
            // Never below zero: Hummingbird also answers a request it could not parse.
            forwardedUnanswered = max(0, forwardedUnanswered - 1)
            if forwardedUnanswered == 0 { scheduleDrain(context: context) }
        }
    }

    func read(context: ChannelHandlerContext) {
        if queued.count >= Self.maxQueuedParts {
            readHeld = true
        } else {
            context.read()
        }
    }

    // MARK: Answers

    /// Writes an error answer and counts it.
    private func answer(_ error: LogAPIError, context: ChannelHandlerContext) {
        write(status: HTTPResponseStatus(statusCode: error.status), body: error.body, context: context)
        api.metrics.request(route: Self.route, status: error.status)
    }

    private func write(status: HTTPResponseStatus, body: [UInt8], context: ChannelHandlerContext) {
        guard isActive else { return }
        var headers = answerHeaders
        headers.add(name: "Content-Length", value: String(body.count))
        if closeAfterAnswer { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// Called once the append's answer is written (and, for an early answer, its body is read):
    /// closes the connection when asked, then handles what waited.
    private func finishAnswer(context: ChannelHandlerContext) {
        if case .answering = state { state = .idle }
        if case .discarding = state { state = .idle }
        guard isActive else { return }
        if closeAfterAnswer {
            queued.removeAll()
            context.close(promise: nil)
            return
        }
        drain(context: context)
    }

    private func scheduleDrain(context: ChannelHandlerContext) {
        guard !queued.isEmpty || !heldEvents.isEmpty, !drainScheduled else { return }
        drainScheduled = true
        // Not from inside Hummingbird's write: its inbound side must not be re-entered.
        context.eventLoop.assumeIsolated().execute {
            self.drainScheduled = false
            if self.isActive { self.drain(context: context) }
        }
    }

    /// Handles queued parts until one has to wait again, then passes on held events when idle.
    private func drain(context: ChannelHandlerContext) {
        // An answer finished while draining (an early error) drains again: the loop below goes on.
        guard !draining else { return }
        draining = true
        defer { draining = false }
        let forwardedBefore = forwardedParts
        while let part = queued.popFirst() {
            if !handle(part, context: context) {
                queued.prepend(part)
                break
            }
        }
        // Hummingbird's channel hands reads on at the end of a read cycle; outside one, say so.
        if forwardedParts != forwardedBefore { context.fireChannelReadComplete() }
        if readHeld, queued.count < Self.maxQueuedParts {
            readHeld = false
            context.read()
        }
        if !isBusy, !heldEvents.isEmpty {
            let events = heldEvents
            heldEvents = []
            for event in events { context.fireUserInboundEventTriggered(event) }
        }
    }
}
