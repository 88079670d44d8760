import Foundation

/// What can go wrong with a run database, named for the person who has to fix it. `location` is a file path or a
/// PostgreSQL URL without its password.
public enum RunStoreError: Error, CustomStringConvertible, Equatable {
    case missing(String)
    case readOnly(String)
    case newerVersion(String)
    case notAStore(String, reason: String)
    case unknownRun(Int64)
    case database(String, String)
    case badURL(String, reason: String)
    case unreachable(String, reason: String)
    case authentication(String, reason: String)
    case coordinatorBusy(run: Int64, holder: String?)
    /// The connection was lost and could not be made again within the process's longest outage.
    case outage(String, seconds: Double, reason: String)
    /// This coordinator lost its connection, and with it its lock on the run, and another took the run meanwhile.
    case coordinatorReplaced(run: Int64, holder: String?)
    /// Another process held the SQLite database locked for longer than the process waits.
    case busy(String, seconds: Double)
    /// A write failed (disk full, a read-only remount, an I/O error); the transaction was rolled back.
    case writeFailed(String, reason: String)

    /// Whether the error is a lost or refused connection, which a new connection may cure.
    public var isConnectionLoss: Bool {
        if case .unreachable = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .missing(let path): "no run database at \(path)"
        case .readOnly(let path): "the run database \(path) is read-only: a run cannot be written there"
        case .newerVersion(let path):
            "the run database \(path) was written by a newer ctxevo (its schema has migrations this version does not know); upgrade ctxevo to use it"
        case .notAStore(let path, let reason): "\(path) is not a ctxevo run database (\(reason))"
        case .unknownRun(let id): "there is no run \(id) in the database"
        case .database(let path, let message): "run database \(path): \(message)"
        case .badURL(let url, let reason):
            "'\(url)' is not a PostgreSQL URL ctxevo can use (\(reason)); expected postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]"
        case .unreachable(let url, let reason):
            "cannot reach the PostgreSQL server of \(url) (\(reason)); is it running and does it accept TCP connections there?"
        case .authentication(let url, let reason):
            "the PostgreSQL server of \(url) refused the credentials (\(reason)); check the user and password in the URL (or PGPASSWORD)"
        case .coordinatorBusy(let run, let holder):
            "run \(run) is already driven by another coordinator\(holder.map { " (\($0))" } ?? ""); "
                + "start workers with `ctxevo worker` to help it, or stop it first (a coordinator that dies frees the run at once)"
        case .outage(let url, let seconds, let reason):
            String(
                format: "lost the connection to %@ and could not connect again for %.0f s (--max-outage): %@; "
                    + "nothing finished is lost: start this process again once the server is back", url, seconds,
                reason)
        case .coordinatorReplaced(let run, let holder):
            "this coordinator lost its connection, and with it run \(run), which another coordinator\(holder.map { " (\($0))" } ?? "") "
                + "took over meanwhile; this one steps back (start it as `ctxevo worker` to help)"
        case .busy(let path, let seconds):
            String(
                format: "the run database %@ stayed locked by another process for %.0f s (--max-outage); "
                    + "is a long transaction holding it?", path, seconds)
        case .writeFailed(let path, let reason):
            "a write to the run database \(path) failed (\(reason)); the transaction was rolled back and the file is "
                + "intact: free the disk or remount it writable, then continue the run with `ctxevo resume`"
        }
    }
}
