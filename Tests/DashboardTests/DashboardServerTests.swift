import Dashboard
import Foundation
import Logging
import RunLoop
import RunStore
import TestSupport
import Testing
import Workbench

/// The dashboard server over a real SQLite run database, spoken to over a socket: its JSON, its stream of new
/// rows, that nothing writes through it, the token, and a hostile run name kept as data.
@Suite(.serialized) struct DashboardServerTests {
    static let hostile = "<script>alert(1)</script>"
    let logger = Logger(label: "test")

    /// A finished Rosenbrock run named like an attack, in a new database file.
    func database() throws -> (TemporaryStore, SQLiteRunStore, Int64) {
        let temporary = try TemporaryStore(.sqlite)
        let store = try temporary.open() as! SQLiteRunStore
        var e = Experiment(
            name: DashboardServerTests.hostile, objective: "rosenbrock", strategy: "cma-es", sigma: 0.5, seed: 3,
            maxEvaluations: 24,
            sections: ["dimension": .integer(3), "mean": .number(0), "lower": .number(-2), "upper": .number(2)])
        e.populationSize = 6
        let search = try ObjectiveRegistry.standard.prepare(e, logger: logger)
        let id = try ExperimentRunner.create(e, fingerprints: search.objective.fingerprints, in: store)
        _ = try ExperimentRunner.run(id: id, in: store, objectives: .standard, search: search)
        return (temporary, store, id)
    }

    /// Starts `server` and returns its port and the task to cancel.
    func start(_ server: DashboardServer) async throws -> (Int, Task<Void, Error>) {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let task = Task { try await server.run { continuation.yield($0) } }
        var iterator = ports.makeAsyncIterator()
        return (try #require(await iterator.next()), task)
    }

    /// One request, made off the cooperative pool (the server in this process answers on it).
    func get(
        _ method: String = "GET", port: Int, path: String, headers: [String: String] = [:], readFor: Double = 120,
        enough: @escaping @Sendable (String) -> Bool = { _ in false }
    ) async throws -> PlainHTTP.Reply {
        try await offThePool {
            try PlainHTTP.request(
                method, port: port, path: path, headers: headers, readFor: readFor, enough: enough)
        }
    }

    func server(_ path: String, token: String? = nil) throws -> DashboardServer {
        let store = try SQLiteRunStore(path: path, readOnly: true)
        return DashboardServer(
            data: DashboardData(store: store, objectives: .standard, logger: logger),
            access: try DashboardAccess(host: "127.0.0.1", token: token, environment: [:]), port: 0,
            charts: Data("/* charts */".utf8), pollInterval: .milliseconds(100))
    }

    @Test func theJSONIsTheDatabaseAndTheNameStaysData() async throws {
        let (temporary, store, id) = try database()
        defer { temporary.remove() }
        let (port, task) = try await start(try server(temporary.location))
        defer { task.cancel() }
        let list = try await get(port: port, path: "/api/runs")
        #expect(list.status == 200)
        let runs = try #require(
            (try JSONSerialization.jsonObject(with: Data(list.body.utf8)) as? [String: Any])?["runs"]
                as? [[String: Any]])
        #expect(runs.count == 1)
        #expect(runs[0]["name"] as? String == DashboardServerTests.hostile)
        #expect(runs[0]["evaluations"] as? Int == (try store.candidates(run: id).count))
        let page = try await get(port: port, path: "/api/runs/\(id)")
        let run = try #require(try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any])
        let candidates = try #require(run["candidates"] as? [[String: Any]])
        #expect(candidates.count == (try store.candidates(run: id).count))
        #expect((run["generations"] as? [[String: Any]])?.count == (try store.generations(run: id).count))
        // The page itself carries no data when served live: the name reaches the browser only as JSON.
        let html = try await get(port: port, path: "/runs/\(id)")
        #expect(html.status == 200 && !html.body.contains(DashboardServerTests.hostile))
        #expect(html.head.lowercased().contains("content-security-policy"))
        #expect(try await get(port: port, path: "/api/runs/999").status == 404)
    }

    /// No method but GET is served, and the database's dump is the same after the attempts.
    @Test func nothingWritesThroughTheServer() async throws {
        let (temporary, _, id) = try database()
        defer { temporary.remove() }
        let before = try temporary.dump()
        let (port, task) = try await start(try server(temporary.location))
        defer { task.cancel() }
        for method in ["POST", "PUT", "DELETE", "PATCH"] {
            for route in ["/api/runs", "/api/runs/\(id)", "/runs/\(id)"] {
                let reply = try await get(method, port: port, path: route)
                #expect(reply.status >= 400, "\(method) \(route) answered \(reply.status)")
            }
        }
        _ = try await get(port: port, path: "/api/runs/\(id)")
        let after = try temporary.dump()
        let changed = Set(after.split(separator: "\n")).symmetricDifference(before.split(separator: "\n"))
        #expect(after == before, "lines that differ: \(changed.sorted())")
    }

    @Test func aTokenIsRequiredWhenThereIsOne() async throws {
        let (temporary, _, id) = try database()
        defer { temporary.remove() }
        let token = "0123456789abcdef0123"
        let (port, task) = try await start(try server(temporary.location, token: token))
        defer { task.cancel() }
        #expect(try await get(port: port, path: "/api/runs").status == 401)
        #expect(try await get(port: port, path: "/api/runs?token=wrong-wrong-wrong-1").status == 401)
        #expect(try await get(port: port, path: "/api/runs/\(id)?token=\(token)").status == 200)
        #expect(
            try await get(port: port, path: "/", headers: ["Authorization": "Bearer \(token)"]).status == 200)
    }

    /// The stream sends the rows recorded from the asked generation on, then each row as it is recorded.
    @Test func theStreamSendsNewRowsAsTheyAreRecorded() async throws {
        let (temporary, store, id) = try database()
        defer { temporary.remove() }
        let (port, task) = try await start(try server(temporary.location))
        defer { task.cancel() }
        let generations = try store.generations(run: id)
        let last = try #require(generations.last?.index)
        let writer = Task.detached {
            try await Task.sleep(for: .milliseconds(600))
            try store.recordCandidate(
                CandidateRecord(
                    runID: id, generation: last + 1, index: 0, parameters: "[0,0,0]", fitness: 1, metrics: "{}",
                    status: .ok, seconds: 0.1))
        }
        // Read until the row recorded after the stream opened has come (at most two minutes on a loaded machine).
        let marker = "\"generation\":\(last + 1)"
        let reply = try await get(port: port, path: "/api/runs/\(id)/stream?since=\(last)") { $0.contains(marker) }
        try await writer.value
        #expect(reply.status == 200)
        #expect(reply.head.lowercased().contains("text/event-stream"))
        let atLast = try store.candidates(run: id, generation: last).count
        #expect(reply.body.components(separatedBy: "event: candidate\n").count - 1 == atLast + 1)
        #expect(reply.body.components(separatedBy: "event: generation\n").count - 1 == 1)
        #expect(reply.body.contains(marker))
    }

    /// Over a PostgreSQL store, opened read-only: the same JSON, and the store refuses writes.
    @Test func overPostgreSQL() async throws {
        let temporary = try TemporaryStore(.postgres)
        defer { temporary.remove() }
        let writer = try temporary.open()
        let e = Experiment(
            name: "on postgres", objective: "rosenbrock", strategy: "cma-es", sigma: 0.5, seed: 3, maxEvaluations: 12,
            sections: ["dimension": .integer(3), "mean": .number(0), "lower": .number(-2), "upper": .number(2)])
        let search = try ObjectiveRegistry.standard.prepare(e, logger: logger)
        let id = try ExperimentRunner.create(e, fingerprints: search.objective.fingerprints, in: writer)
        _ = try ExperimentRunner.run(id: id, in: writer, objectives: .standard, search: search)
        let reader = try temporary.open(readOnly: true)
        let server = DashboardServer(
            data: DashboardData(store: reader, objectives: .standard, logger: logger),
            access: try DashboardAccess(host: "127.0.0.1", environment: [:]), port: 0, charts: Data(),
            pollInterval: .milliseconds(100))
        let (port, task) = try await start(server)
        defer { task.cancel() }
        let page = try await get(port: port, path: "/api/runs/\(id)")
        #expect(page.status == 200)
        let run = try #require(try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any])
        #expect((run["candidates"] as? [[String: Any]])?.count == (try writer.candidates(run: id).count))
        #expect(throws: (any Error).self) { try reader.setStatus(run: id, .running) }
    }

    @Test func accessRules() throws {
        #expect(try DashboardAccess(host: "127.0.0.1", environment: [:]).token == nil)
        #expect(try DashboardAccess(host: "0.0.0.0", environment: [:]).token?.count == 32)
        let fromEnvironment = try DashboardAccess(
            host: "0.0.0.0", environment: ["CTXEVO_DASHBOARD_TOKEN": "a-long-enough-token"])
        #expect(fromEnvironment.token == "a-long-enough-token")
        #expect(fromEnvironment.allows(query: "a-long-enough-token", authorization: nil))
        #expect(fromEnvironment.allows(query: nil, authorization: "Bearer a-long-enough-token"))
        #expect(!fromEnvironment.allows(query: "a-long-enough-tokeX", authorization: "Bearer nope"))
        #expect(throws: DashboardAccess.Problem.shortToken) { try DashboardAccess(host: "::", token: "short") }
    }

    /// A held-out evaluation given for a run goes into that run's page as its method's view; one the method
    /// cannot show (a benchmark has no held-out view) or a file gone since becomes an escaped line saying why.
    @Test func aHeldOutEvaluationIsShownOnItsRunOrSaysWhyNot() throws {
        let (temporary, store, id) = try database()
        defer { temporary.remove() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ctxevo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("<b>held-out<i>.json")
        try Data("[]".utf8).write(to: file)
        let data = DashboardData(store: store, objectives: .standard, evaluations: [id: file.path], logger: logger)
        func sections() throws -> String {
            let run = try JSONSerialization.jsonObject(with: Data(try data.runJSON(id).utf8)) as? [String: Any]
            return try #require(run?["sections_html"] as? String)
        }
        let refused = try sections()
        #expect(refused.hasPrefix("<p class=\"error\">") && refused.contains("has no held-out evaluation to show"))
        #expect(refused.contains("&lt;b&gt;held-out&lt;i&gt;.json") && !refused.contains("<b>"))
        try FileManager.default.removeItem(at: file)
        #expect(try sections().contains("cannot be read"))
        // Another run's page has no sections.
        let other = DashboardData(store: store, objectives: .standard, evaluations: [id + 1: file.path], logger: logger)
        let run = try JSONSerialization.jsonObject(with: Data(try other.runJSON(id).utf8)) as? [String: Any]
        #expect(run?["sections_html"] == nil)
    }

    /// The report's snapshot keeps the hostile name inside its data: it cannot close the script element.
    @Test func aSnapshotCannotBeClosedByItsData() throws {
        let (temporary, store, id) = try database()
        defer { temporary.remove() }
        let data = DashboardData(store: store, objectives: .standard, logger: logger)
        let html = try DashboardSnapshot.html(runJSON: try data.runJSON(id), charts: Data("/* charts */".utf8))
        #expect(!html.contains(DashboardServerTests.hostile))
        #expect(html.contains("<script>alert(1)<\\/script>"))
        #expect(html.contains("window.CTXEVO_SNAPSHOT"))
    }
}
