import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// One connection to a PostgreSQL server, used from synchronous code: every call blocks until the server answers
/// (the I/O runs on NIO's event loop threads, never on the caller's), or until the policy's deadline, after which the
/// connection counts as lost. Calls are serialised, and `transaction` holds the connection for its whole body. Every
/// failure becomes a `RunStoreError` that names the problem.
///
/// A lost connection is made again: a statement or transaction called from outside another one is retried on a new
/// connection, with backoff, until it succeeds or the outage lasts longer than `policy.maxOutage`. Callers whose
/// statements are not safe to repeat after an unknown outcome (a lost reply to a COMMIT) say what to do on a retry
/// (`resilient`), or ask for no retry (`retrying: false`). The first connection is not retried: a wrong URL or a
/// server that is down when a process starts is an error at once.
final class PostgresSession: @unchecked Sendable {
    let url: PostgresURL
    let location: String
    let applicationName: String
    let policy: OutagePolicy
    /// Every transaction of every connection read-only (`default_transaction_read_only`, a startup parameter, so a
    /// connection made again after an outage is read-only too).
    let readOnly: Bool
    private var connection: PostgresConnection?
    private let lock = NSRecursiveLock()
    /// PostgresNIO's own log, silenced: its failures reach the caller as errors.
    private let nioLogger: Logger
    private let logger = Logger(label: "ctxevo")
    /// Nesting of `resilient` bodies: only the outermost one retries.
    private var depth = 0
    /// When the current outage began (nil while connected).
    private var outageSince: Date?

    private init(url: PostgresURL, applicationName: String, policy: OutagePolicy, readOnly: Bool) {
        self.url = url
        self.readOnly = readOnly
        self.location = url.redacted
        self.applicationName = applicationName
        self.policy = policy
        var nioLogger = Logger(label: "ctxevo.postgres")
        nioLogger.logLevel = .critical
        self.nioLogger = nioLogger
    }

    static func connect(
        _ url: PostgresURL, applicationName: String, policy: OutagePolicy = .standard, readOnly: Bool = false
    ) throws -> PostgresSession {
        let session = PostgresSession(url: url, applicationName: applicationName, policy: policy, readOnly: readOnly)
        session.connection = try session.open()
        return session
    }

    /// A new connection with this process's settings.
    private func open() throws -> PostgresConnection {
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch url.tls {
            case .disable: tls = .disable
            case .prefer, .require:
                // libpq's prefer and require encrypt without checking the server's certificate.
                var configuration = TLSConfiguration.makeClientConfiguration()
                configuration.certificateVerification = .none
                let context = try NIOSSLContext(configuration: configuration)
                tls = url.tls == .prefer ? .prefer(context) : .require(context)
            case .verifyFull:
                tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        } catch {
            throw RunStoreError.badURL(url.redacted, reason: "TLS cannot be set up: \(error)")
        }
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: tls)
        configuration.options.connectTimeout = .milliseconds(Int64(policy.statementDeadline * 1000))
        configuration.options.additionalStartupParameters =
            [("application_name", applicationName)] + (readOnly ? [("default_transaction_read_only", "on")] : [])
        do {
            let connection = try wait(
                PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1,
                    logger: nioLogger),
                connection: nil, connecting: true)
            // The server notices a vanished client (a dead machine, a cut network) within about a minute, so
            // that its claims' heartbeats stop and its coordinator lock is freed; and no statement, lock wait or
            // forgotten transaction of ours holds the server longer than the deadline.
            let deadline = Int(policy.statementDeadline * 1000)
            for setting in [
                "tcp_keepalives_idle = 30", "tcp_keepalives_interval = 10", "tcp_keepalives_count = 3",
                "statement_timeout = \(deadline)", "lock_timeout = \(deadline)",
                "idle_in_transaction_session_timeout = \(max(deadline * 6, 60_000))",
            ] {
                _ = try wait(
                    connection.query(PostgresQuery(unsafeSQL: "SET " + setting), logger: nioLogger),
                    connection: connection, connecting: true)
            }
            return connection
        } catch {
            throw PostgresSession.storeError(error, location: location, connecting: true)
        }
    }

    /// Waits for `future` at most the statement deadline, watching the connection: a closed connection or no answer
    /// in time is a lost connection (a query in flight when the server goes away is not always failed by the
    /// client library, so the wait never relies on that alone).
    private func wait<T: Sendable>(
        _ future: EventLoopFuture<T>, connection: PostgresConnection?, connecting: Bool
    ) throws -> T {
        let box = Outcome<T>()
        let done = DispatchSemaphore(value: 0)
        future.whenComplete { result in
            box.result = result
            done.signal()
        }
        let deadline = Date().addingTimeInterval(policy.statementDeadline)
        while done.wait(timeout: .now() + 0.05) == .timedOut {
            if let connection, connection.isClosed {
                throw RunStoreError.unreachable(location, reason: "the connection was lost: the server closed it")
            }
            if Date() >= deadline {
                _ = connection?.close() as EventLoopFuture<Void>?
                throw RunStoreError.unreachable(
                    location,
                    reason: String(
                        format: "no answer within %.0f s%@", policy.statementDeadline,
                        connecting ? "" : "; the connection counts as lost"))
            }
        }
        return try box.result!.get()
    }

    /// The result of a future, written on an event loop thread and read after the semaphore.
    private final class Outcome<T>: @unchecked Sendable {
        var result: Result<T, any Error>?
    }

    /// `body`, retried on a new connection while the connection is lost (see the type's comment); `retry` is true
    /// on the attempts after the first. Inside another `resilient` body or a transaction, `body` runs once.
    func resilient<T>(_ body: (_ retry: Bool) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if depth > 0 { return try body(false) }
        depth += 1
        defer { depth -= 1 }
        var attempt = 0
        while true {
            do {
                if connection == nil { connection = try open() }
                let value = try body(attempt > 0)
                if let since = outageSince {
                    logger.notice(
                        "connected to \(location) again after \(String(format: "%.1f", -since.timeIntervalSinceNow)) s")
                    outageSince = nil
                }
                return value
            } catch let error as RunStoreError where error.isConnectionLoss {
                drop()
                let since = outageSince ?? Date()
                outageSince = since
                let waited = -since.timeIntervalSinceNow
                guard waited < policy.maxOutage else {
                    throw RunStoreError.outage(location, seconds: waited, reason: Self.reason(error))
                }
                let delay = policy.delay(attempt: attempt, waited: waited)
                logger.warning(
                    "lost the connection to \(location) (\(Self.reason(error))), retrying in \(String(format: "%.1f", delay)) s"
                )
                Thread.sleep(forTimeInterval: delay)
                attempt += 1
            }
        }
    }

    private static func reason(_ error: RunStoreError) -> String {
        if case .unreachable(_, let reason) = error { return reason }
        return "\(error)"
    }

    /// Forgets the connection (closing it without waiting).
    private func drop() {
        _ = connection?.close() as EventLoopFuture<Void>?
        connection = nil
    }

    /// Runs one statement and returns its rows; on its own (not inside `resilient` or a transaction), retried on a
    /// new connection when the connection is lost, unless `retrying` is false.
    @discardableResult
    func query(_ query: PostgresQuery, retrying: Bool = true) throws -> [PostgresRandomAccessRow] {
        lock.lock()
        defer { lock.unlock() }
        if retrying && depth == 0 { return try resilient { _ in try self.query(query, retrying: false) } }
        guard let connection else {
            throw RunStoreError.unreachable(location, reason: "the connection was lost")
        }
        do {
            return try wait(connection.query(query, logger: nioLogger), connection: connection, connecting: false)
                .rows.map { $0.makeRandomAccess() }
        } catch {
            let failure = PostgresSession.storeError(error, location: location, connecting: false)
            if failure.isConnectionLoss { drop() }
            throw failure
        }
    }

    /// `body` between BEGIN and COMMIT, rolled back when it throws; on its own, retried whole on a new connection
    /// when the connection is lost (so a body must be safe to run again after an unknown outcome of its COMMIT).
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try resilient { _ in
            try query("BEGIN")
            do {
                let value = try body()
                try query("COMMIT")
                return value
            } catch {
                if connection != nil { _ = try? query("ROLLBACK") }
                throw error
            }
        }
    }

    func close() {
        lock.lock()
        defer { lock.unlock() }
        if let connection {
            _ = try? wait(connection.close() as EventLoopFuture<Void>, connection: nil, connecting: false)
        }
        connection = nil
    }

    deinit { _ = connection?.close() as EventLoopFuture<Void>? }

    /// What a PostgreSQL or network failure means for the person running ctxevo.
    static func storeError(_ error: any Error, location: String, connecting: Bool) -> RunStoreError {
        if let error = error as? RunStoreError { return error }
        guard let psql = error as? PSQLError else {
            return connecting
                ? .unreachable(location, reason: "\(error)") : .database(location, "\(error)")
        }
        if psql.code == .server, let state = psql.serverInfo?[.sqlState] {
            let message = psql.serverInfo?[.message] ?? "SQLSTATE \(state)"
            switch state {
            case "28P01": return .authentication(location, reason: message)
            case "28000":
                return .authentication(
                    location, reason: "\(message); the server's pg_hba.conf may also require another sslmode or host")
            case "57P01", "57P02", "57P03": return .unreachable(location, reason: message)
            default: return .database(location, "\(message) (SQLSTATE \(state))")
            }
        }
        if psql.code == .authMechanismRequiresPassword {
            return .authentication(
                location, reason: "the server asks for a password; put it in the URL or in PGPASSWORD")
        }
        if psql.code == .connectionError || psql.code == .serverClosedConnection || psql.code == .uncleanShutdown
            || psql.code == .clientClosedConnection
            || psql.code == .sslUnsupported
        {
            let reason = psql.underlying.map { "\($0)" } ?? psql.code.description
            return .unreachable(location, reason: connecting ? reason : "the connection was lost: \(reason)")
        }
        return .database(location, psql.code.description + (psql.underlying.map { ": \($0)" } ?? ""))
    }
}
