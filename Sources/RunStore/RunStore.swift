import Foundation
import GRDB

/// The SQLite database of runs (WAL mode). Migrations are frozen once shipped: add new ones, never edit old ones.
/// Every write is one transaction with an intent-named method.
public final class RunStore: Sendable {
    public let path: String
    let database: DatabasePool

    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: runs, generations, candidates, events") { db in
            try db.create(table: "run") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull()
                t.column("strategy", .text).notNull()
                t.column("configuration", .text).notNull()
                t.column("modelSHA256", .text).notNull()
                t.column("dataSHA256", .text).notNull()
                t.column("codeVersion", .text).notNull()
                t.column("seed", .integer).notNull()
                t.column("status", .text).notNull()
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "generation") { t in
                t.column("runID", .integer).notNull().references("run", onDelete: .cascade)
                t.column("index", .integer).notNull()
                t.column("state", .blob).notNull()
                t.column("bestFitness", .double)
                t.column("medianFitness", .double)
                t.column("worstFitness", .double)
                t.column("bestSoFar", .double)
                t.column("stepSize", .double).notNull()
                t.column("seconds", .double).notNull()
                t.column("finishedAt", .datetime).notNull()
                t.primaryKey(["runID", "index"])
            }
            try db.create(table: "candidate") { t in
                t.column("runID", .integer).notNull().references("run", onDelete: .cascade)
                t.column("generation", .integer).notNull()
                t.column("index", .integer).notNull()
                t.column("parameters", .text).notNull()
                t.column("fitness", .double)
                t.column("metrics", .text).notNull()
                t.column("status", .text).notNull()
                t.column("seconds", .double).notNull()
                t.primaryKey(["runID", "generation", "index"])
            }
            try db.create(table: "event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("runID", .integer).notNull().references("run", onDelete: .cascade)
                t.column("time", .datetime).notNull()
                t.column("level", .text).notNull()
                t.column("message", .text).notNull()
            }
        }
        return migrator
    }()

    /// Opens (creating if needed, unless `readOnly`) the store at `path`. A database written by a newer
    /// ctxevo, a file that is not a ctxevo database, or a read-only file opened for writing is refused with
    /// a `RunStoreError`, before anything is written.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        let exists = FileManager.default.fileExists(atPath: path)
        if readOnly && !exists { throw RunStoreError.missing(path) }
        if !readOnly && exists && !FileManager.default.isWritableFile(atPath: path) {
            throw RunStoreError.readOnly(path)
        }
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(10)
        do {
            database = try DatabasePool(path: path, configuration: configuration)
            let superseded = try database.read { db in try RunStore.migrator.hasBeenSuperseded(db) }
            if superseded { throw RunStoreError.newerVersion(path) }
            if readOnly {
                let complete = try database.read { db in try RunStore.migrator.hasCompletedMigrations(db) }
                if !complete { throw RunStoreError.notAStore(path, reason: "it has no ctxevo tables") }
            } else {
                try RunStore.migrator.migrate(database)
            }
        } catch let error as RunStoreError {
            throw error
        } catch let error as DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                throw RunStoreError.notAStore(path, reason: error.message ?? "not a database")
            case .SQLITE_READONLY: throw RunStoreError.readOnly(path)
            case .SQLITE_CANTOPEN where exists: throw RunStoreError.readOnly(path)
            default: throw RunStoreError.database(path, error.description)
            }
        }
    }

    // MARK: writes (each one transaction)

    public func createRun(_ run: RunRecord) throws -> RunRecord {
        try database.write { db in
            var run = run
            try run.insert(db)
            return run
        }
    }

    /// Written as soon as an evaluation completes: a crash loses at most the evaluation in progress.
    public func recordCandidate(_ candidate: CandidateRecord) throws {
        try database.write { db in try candidate.upsert(db) }
    }

    /// The end of a generation, in one transaction: the optimiser state that continues from it.
    public func recordGeneration(_ generation: GenerationRecord) throws {
        try database.write { db in try generation.upsert(db) }
    }

    public func recordEvent(run: Int64, level: String, _ message: String) throws {
        try database.write { db in
            var event = EventRecord(runID: run, time: Date(), level: level, message: message)
            try event.insert(db)
        }
    }

    public func setStatus(run: Int64, _ status: RunStatus) throws {
        _ = try database.write { db in
            try RunRecord.filter(Column("id") == run).updateAll(db, Column("status").set(to: status.rawValue))
        }
    }

    // MARK: reads

    public func runs() throws -> [RunRecord] {
        try database.read { db in try RunRecord.order(Column("id")).fetchAll(db) }
    }

    public func run(_ id: Int64) throws -> RunRecord {
        guard let run = try database.read({ db in try RunRecord.fetchOne(db, key: id) }) else {
            throw RunStoreError.unknownRun(id)
        }
        return run
    }

    public func generations(run: Int64) throws -> [GenerationRecord] {
        try database.read { db in
            try GenerationRecord.filter(Column("runID") == run).order(Column("index")).fetchAll(db)
        }
    }

    public func lastGeneration(run: Int64) throws -> GenerationRecord? {
        try database.read { db in
            try GenerationRecord.filter(Column("runID") == run).order(Column("index").desc).fetchOne(db)
        }
    }

    public func candidates(run: Int64, generation: Int? = nil) throws -> [CandidateRecord] {
        try database.read { db in
            var request = CandidateRecord.filter(Column("runID") == run)
            if let generation { request = request.filter(Column("generation") == generation) }
            return try request.order(Column("generation"), Column("index")).fetchAll(db)
        }
    }

    public func events(run: Int64) throws -> [EventRecord] {
        try database.read { db in try EventRecord.filter(Column("runID") == run).order(Column("id")).fetchAll(db) }
    }
}

public enum RunStoreError: Error, CustomStringConvertible, Equatable {
    case missing(String)
    case readOnly(String)
    case newerVersion(String)
    case notAStore(String, reason: String)
    case unknownRun(Int64)
    case database(String, String)

    public var description: String {
        switch self {
        case .missing(let path): "no run database at \(path)"
        case .readOnly(let path): "the run database \(path) is read-only: a run cannot be written there"
        case .newerVersion(let path):
            "the run database \(path) was written by a newer ctxevo (its schema has migrations this version does not know); upgrade ctxevo to use it"
        case .notAStore(let path, let reason): "\(path) is not a ctxevo run database (\(reason))"
        case .unknownRun(let id): "there is no run \(id) in the database"
        case .database(let path, let message): "run database \(path): \(message)"
        }
    }
}
