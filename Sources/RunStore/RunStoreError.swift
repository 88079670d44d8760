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
        }
    }
}
