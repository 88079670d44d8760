import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// One connection to a PostgreSQL server, used from synchronous code: every call blocks until the server answers
/// (the I/O runs on NIO's event loop threads, never on the caller's). Calls are serialised, and `transaction` holds
/// the connection for its whole body. Every failure becomes a `RunStoreError` that names the problem.
final class PostgresSession: @unchecked Sendable {
    let connection: PostgresConnection
    let location: String
    private let lock = NSRecursiveLock()
    private let logger: Logger

    private init(connection: PostgresConnection, location: String, logger: Logger) {
        self.connection = connection
        self.location = location
        self.logger = logger
    }

    static func connect(_ url: PostgresURL, applicationName: String) throws -> PostgresSession {
        var logger = Logger(label: "ctxevo.postgres")
        logger.logLevel = .critical
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
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        do {
            let connection = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1, logger: logger
            ).wait()
            let session = PostgresSession(connection: connection, location: url.redacted, logger: logger)
            // The server notices a vanished client (a dead machine, a cut network) within about a minute, so
            // that its claims' heartbeats stop and its coordinator lock is freed.
            try session.query("SET tcp_keepalives_idle = 30")
            try session.query("SET tcp_keepalives_interval = 10")
            try session.query("SET tcp_keepalives_count = 3")
            return session
        } catch {
            throw PostgresSession.storeError(error, location: url.redacted, connecting: true)
        }
    }

    /// Runs one statement and returns its rows.
    @discardableResult
    func query(_ query: PostgresQuery) throws -> [PostgresRandomAccessRow] {
        lock.lock()
        defer { lock.unlock() }
        do {
            return try connection.query(query, logger: logger).wait().rows.map { $0.makeRandomAccess() }
        } catch {
            throw PostgresSession.storeError(error, location: location, connecting: false)
        }
    }

    /// `body` between BEGIN and COMMIT, rolled back when it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        try query("BEGIN")
        do {
            let value = try body()
            try query("COMMIT")
            return value
        } catch {
            _ = try? query("ROLLBACK")
            throw error
        }
    }

    func close() {
        lock.lock()
        defer { lock.unlock() }
        _ = try? connection.close().wait()
    }

    deinit { _ = try? connection.close().wait() }

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
