import Foundation

/// Who may read the dashboard: anyone on this machine when it listens on a loopback address, and elsewhere only
/// with the token (printed at start, or taken from `CTXEVO_DASHBOARD_TOKEN`), given as `?token=` or as
/// `Authorization: Bearer`. A token set on a loopback address is required there too.
public struct DashboardAccess: Sendable, Equatable {
    public let host: String
    public let token: String?

    public enum Problem: Error, CustomStringConvertible, Equatable {
        case shortToken

        public var description: String {
            switch self {
            case .shortToken: "the dashboard token must have at least 16 characters"
            }
        }
    }

    /// `token` nil: the environment's, else a new random one when `host` is not loopback.
    public init(host: String, token: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws
    {
        self.host = host
        let given = token ?? environment["CTXEVO_DASHBOARD_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let given, given.count < 16 { throw Problem.shortToken }
        self.token = given ?? (DashboardAccess.isLoopback(host) ? nil : DashboardAccess.newToken())
    }

    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// 32 hexadecimal digits from the system's random generator.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Whether a request with this `?token=` value and `Authorization` header may read.
    public func allows(query: String?, authorization: String?) -> Bool {
        guard let token else { return true }
        let bearer = authorization.flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        return [query, bearer].contains { $0.map { DashboardAccess.equal($0, token) } ?? false }
    }

    /// Compares in time independent of where the strings first differ.
    static func equal(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
