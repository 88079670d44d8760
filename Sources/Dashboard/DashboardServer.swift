import Foundation
import Hummingbird
import Logging
import NIOCore
import RunStore

/// `ctxevo dashboard`: a read-only web application over a run store. Routes (all GET):
///   /                       the runs list (the page)
///   /runs/{id}              a run's page (the same page)
///   /api/runs               the runs list as JSON (`DashboardData.runs`)
///   /api/runs/{id}          a run as JSON (`DashboardData.run`)
///   /api/runs/{id}/stream   server-sent events: the rows recorded since (`DashboardStream`)
///   /assets/plotly.min.js   the charts library, from the cache (`Assets.chartsLibrary`)
/// Nothing writes: there is no other method or route, and the store is opened read-only.
public struct DashboardServer: Sendable {
    public let data: DashboardData
    public let access: DashboardAccess
    public let port: Int
    let charts: Data
    /// How often an open run page's stream looks for new rows.
    let pollInterval: Duration

    public init(
        data: DashboardData, access: DashboardAccess, port: Int, charts: Data, pollInterval: Duration = .seconds(1)
    ) {
        self.data = data
        self.access = access
        self.port = port
        self.charts = charts
        self.pollInterval = pollInterval
    }

    /// Serves until the process is stopped (SIGINT, SIGTERM); `started` receives the port it listens on.
    public func run(started: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let app = Application(
            router: router(),
            configuration: .init(address: .hostname(access.host, port: port), serverName: "ctxevo dashboard"),
            onServerRunning: { channel in started(channel.localAddress?.port ?? 0) },
            logger: data.logger)
        try await app.runService()
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: AccessMiddleware(access: access))
        let data = self.data
        let charts = self.charts
        let pollInterval = self.pollInterval
        router.get("/") { request, _ in DashboardServer.page(request) }
        router.get("/runs/:id") { request, _ in DashboardServer.page(request) }
        router.get("/api/runs") { _, _ in try DashboardServer.json(try data.runs()) }
        router.get("/api/runs/:id") { _, context in
            let id = try context.parameters.require("id", as: Int64.self)
            return DashboardServer.json(text: try DashboardServer.known(id, in: data) { try data.runJSON(id) })
        }
        router.get("/api/runs/:id/stream") { request, context in
            let id = try context.parameters.require("id", as: Int64.self)
            _ = try DashboardServer.known(id, in: data) { try data.store.run(id) }
            let since = request.uri.queryParameters.get("since", as: Int.self) ?? 0
            var headers = DashboardServer.headers("text/event-stream")
            headers[.cacheControl] = "no-store"
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    var stream = DashboardStream(run: id, since: since)
                    var tick = 0
                    while !Task.isCancelled {
                        let news = try stream.news(data, workers: tick % 5 == 0)
                        let text = news.map(\.text).joined() + (news.isEmpty && tick % 15 == 0 ? ": alive\n\n" : "")
                        if !text.isEmpty { try await writer.write(ByteBuffer(string: text)) }
                        tick += 1
                        try await Task.sleep(for: pollInterval)
                    }
                    try await writer.finish(nil)
                })
        }
        router.get("/assets/plotly.min.js") { _, _ in
            var headers = DashboardServer.headers("application/javascript")
            headers[.cacheControl] = "max-age=86400"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(data: charts)))
        }
        return router
    }

    /// The page, with the charts library linked (carrying the request's token) and no data inlined. The library
    /// loads without blocking the page (async; a failure is marked for the page's script, which may start after it).
    static func page(_ request: Request) -> Response {
        let token = request.uri.queryParameters.get("token").map { "?token=" + DashboardSnapshot.escapeAttribute($0) }
        let library =
            "<script id=\"charts-library\" src=\"/assets/plotly.min.js\(token ?? "")\" async "
            + "onerror=\"this.dataset.failed = 'yes'\"></script>"
        let html = DashboardPage.html
            .replacingOccurrences(of: "<!--CTXEVO_CHARTS-->", with: library)
            .replacingOccurrences(of: "<!--CTXEVO_DATA-->", with: "")
        return Response(
            status: .ok, headers: headers("text/html; charset=utf-8"), body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    static func json(_ object: Any) throws -> Response {
        json(
            text: String(
                decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
    }

    static func json(text: String) -> Response {
        var headers = headers("application/json")
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func headers(_ contentType: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        // plotly's parallel coordinates draw with WebGL through regl, which compiles its shaders' glue with
        // Function: hence 'unsafe-eval'. Nothing is loaded from elsewhere.
        headers[.init("Content-Security-Policy")!] =
            "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'"
        return headers
    }

    /// `body` for a run the store has; a run it has not is a 404 naming it.
    static func known<T>(_ id: Int64, in data: DashboardData, _ body: () throws -> T) throws -> T {
        do {
            _ = try data.store.run(id)
        } catch let error as RunStoreError {
            if case .unknownRun = error { throw HTTPError(.notFound, message: "there is no run \(id)") }
            throw error
        }
        return try body()
    }
}

/// Refuses every request without the token when the dashboard has one (`DashboardAccess`).
struct AccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let access: DashboardAccess

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard
            access.allows(
                query: request.uri.queryParameters.get("token"), authorization: request.headers[.authorization])
        else {
            return Response(
                status: .unauthorized, headers: DashboardServer.headers("text/plain; charset=utf-8"),
                body: .init(byteBuffer: ByteBuffer(string: "a token is needed: open the address printed at start\n")))
        }
        return try await next(request, context)
    }
}
