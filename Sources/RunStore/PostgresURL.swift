import Foundation

/// A `postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=...]` location, checked once. Without a password
/// in the URL, `PGPASSWORD` is used (as libpq does), so that no password has to appear on a command line.
public struct PostgresURL: Sendable, Equatable {
    /// libpq's `sslmode` values that ctxevo supports.
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgresql://") || location.hasPrefix("postgres://")
    }

    public init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        func fail(_ reason: String) -> RunStoreError { .badURL(PostgresURL.redact(text), reason: reason) }
        guard PostgresURL.isPostgres(text) else { throw fail("it does not start with postgresql://") }
        guard let components = URLComponents(string: text) else { throw fail("it is not a URL") }
        guard let host = components.host, !host.isEmpty else { throw fail("it names no host") }
        guard let user = components.user, !user.isEmpty else { throw fail("it names no user") }
        let database = String(components.path.dropFirst())
        guard !database.isEmpty, !database.contains("/") else { throw fail("it names no database (the path)") }
        if let port = components.port, !(1...65535).contains(port) { throw fail("the port \(port) is out of range") }
        var tls = TLSMode.disable
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw fail(
                        "sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                tls = mode
            default: throw fail("the parameter '\(item.name)' is not supported (only sslmode is)")
            }
        }
        self.host = host
        self.port = components.port ?? 5432
        self.user = user
        self.password = components.password ?? environment["PGPASSWORD"]
        self.database = database
        self.tls = tls
    }

    /// The URL without its password: what messages, logs and `location` show.
    public var redacted: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "postgresql://\(user)@\(hostPart):\(port)/\(database)"
            + (tls == .disable ? "" : "?sslmode=\(tls.rawValue)")
    }

    /// Best effort for text that did not parse: drops what lies between the first ':' after the scheme and '@'.
    static func redact(_ text: String) -> String {
        guard let scheme = text.range(of: "://"),
            let at = text.range(of: "@", range: scheme.upperBound..<text.endIndex),
            let colon = text.range(of: ":", range: scheme.upperBound..<at.lowerBound)
        else { return text }
        return String(text[..<colon.lowerBound]) + ":***" + String(text[at.lowerBound...])
    }
}
