import Foundation
import GRDB

/// The SQLite database of runs (WAL mode): the default store, one file on one machine. Several processes of that
/// machine can share it (a coordinator and local workers); SQLite serialises their writes. Migrations are frozen
/// once shipped: add new ones, never edit old ones. Every write is one transaction with an intent-named method.
public final class SQLiteRunStore: RunStore {
    public let path: String
    public var location: String { path }
    let database: DatabasePool
    /// False for a database of an older ctxevo opened read-only (no work queue tables).
    let hasWorkQueue: Bool

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
        migrator.registerMigration("v2: work queue, workers") { db in
            try db.alter(table: "candidate") { t in t.add(column: "workerID", .integer) }
            try db.create(table: "worker") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("host", .text).notNull()
                t.column("processID", .integer).notNull()
                t.column("coordinatorOf", .integer)
                t.column("startedAt", .double).notNull()
                t.column("heartbeatAt", .double).notNull()
            }
            try db.create(table: "pending") { t in
                t.column("runID", .integer).notNull().references("run", onDelete: .cascade)
                t.column("generation", .integer).notNull()
                t.column("index", .integer).notNull()
                t.column("parameters", .text).notNull()
                t.column("state", .text).notNull()
                t.column("workerID", .integer)
                t.column("leaseUntil", .double)
                t.column("attempts", .integer).notNull()
                t.column("error", .text)
                t.primaryKey(["runID", "generation", "index"])
            }
        }
        return migrator
    }()

    /// Opens (creating if needed, unless `readOnly`) the store at `path`. A database written by a newer
    /// ctxevo, a file that is not a ctxevo database, or a read-only file opened for writing is refused with
    /// a `RunStoreError`, before anything is written.
    public convenience init(path: String) throws { try self.init(path: path, readOnly: false) }

    /// How long a write waits for a database another process holds locked (SQLite's busy handler, which sleeps
    /// 1 ms, 2 ms, 5 ms ... up to 100 ms between tries), from the outage policy.
    public let policy: OutagePolicy

    /// A file this process may not write, or one whose write bits are all cleared: root may write such a file
    /// anyway, but its owner marked it read-only (a finished search's database kept as a record), and a run
    /// opened for writing would upgrade or change it.
    static func isWriteProtected(_ path: String) -> Bool {
        if !FileManager.default.isWritableFile(atPath: path) { return true }
        let permissions = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
        return permissions.map { $0 & 0o222 == 0 } ?? false
    }

    public init(path: String, readOnly: Bool, policy: OutagePolicy = .standard) throws {
        self.path = path
        self.policy = policy
        let exists = FileManager.default.fileExists(atPath: path)
        if readOnly && !exists { throw RunStoreError.missing(path) }
        if !readOnly && exists && SQLiteRunStore.isWriteProtected(path) { throw RunStoreError.readOnly(path) }
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(policy.maxOutage)
        var workQueue = true
        do {
            database = try DatabasePool(path: path, configuration: configuration)
            let superseded = try database.read { db in try SQLiteRunStore.migrator.hasBeenSuperseded(db) }
            if superseded { throw RunStoreError.newerVersion(path) }
            if readOnly {
                // A database of an older ctxevo is read as it is (it is upgraded when first opened for writing):
                // without the work queue's tables, a run has no pending candidates and no workers.
                let applied = try database.read { db in try SQLiteRunStore.migrator.appliedIdentifiers(db) }
                if applied.isEmpty { throw RunStoreError.notAStore(path, reason: "it has no ctxevo tables") }
                workQueue = applied.contains("v2: work queue, workers")
            } else {
                let foreign = try database.read { db in
                    try !db.tableExists("grdb_migrations")
                        && ["run", "generation", "candidate", "event", "worker", "pending"].contains {
                            try db.tableExists($0)
                        }
                }
                if foreign {
                    throw RunStoreError.notAStore(
                        path, reason: "it has tables named like ctxevo's that are not ctxevo's")
                }
                try SQLiteRunStore.migrator.migrate(database)
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
        hasWorkQueue = workQueue
    }

    /// One write transaction, its failures named: a database locked past the policy's wait, a full disk, a
    /// read-only file system or an I/O error (after which SQLite has rolled the transaction back and the file is as
    /// it was before it).
    func write<T>(_ updates: (Database) throws -> T) throws -> T {
        do { return try database.write(updates) } catch let error as DatabaseError { throw named(error) }
    }

    func read<T>(_ value: (Database) throws -> T) throws -> T {
        do { return try database.read(value) } catch let error as DatabaseError { throw named(error) }
    }

    func named(_ error: DatabaseError) -> RunStoreError {
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: .busy(path, seconds: policy.maxOutage)
        case .SQLITE_FULL: .writeFailed(path, reason: "the disk is full")
        case .SQLITE_READONLY: .writeFailed(path, reason: "the file or its file system is read-only")
        case .SQLITE_IOERR: .writeFailed(path, reason: "an input/output error: \(error.message ?? "\(error)")")
        default: .database(path, error.description)
        }
    }

    // MARK: writes (each one transaction)

    public func createRun(_ run: RunRecord) throws -> RunRecord {
        try write { db in
            var run = run
            try run.insert(db)
            return run
        }
    }

    public func recordCandidate(_ candidate: CandidateRecord) throws {
        try write { db in try candidate.upsert(db) }
    }

    public func recordGeneration(_ generation: GenerationRecord) throws {
        try write { db in
            try generation.upsert(db)
            try db.execute(
                sql: "DELETE FROM pending WHERE runID = ? AND generation <= ?",
                arguments: [generation.runID, generation.index])
        }
    }

    public func recordEvent(run: Int64, level: String, _ message: String) throws {
        try write { db in
            var event = EventRecord(runID: run, time: Date(), level: level, message: message)
            try event.insert(db)
        }
    }

    public func setStatus(run: Int64, _ status: RunStatus) throws {
        _ = try write { db in
            try RunRecord.filter(Column("id") == run).updateAll(db, Column("status").set(to: status.rawValue))
        }
    }

    // MARK: reads

    public func runs() throws -> [RunRecord] {
        try read { db in try RunRecord.order(Column("id")).fetchAll(db) }
    }

    public func run(_ id: Int64) throws -> RunRecord {
        guard let run = try read({ db in try RunRecord.fetchOne(db, key: id) }) else {
            throw RunStoreError.unknownRun(id)
        }
        return run
    }

    public func generations(run: Int64) throws -> [GenerationRecord] {
        try read { db in
            try GenerationRecord.filter(Column("runID") == run).order(Column("index")).fetchAll(db)
        }
    }

    public func lastGeneration(run: Int64) throws -> GenerationRecord? {
        try read { db in
            try GenerationRecord.filter(Column("runID") == run).order(Column("index").desc).fetchOne(db)
        }
    }

    public func candidates(run: Int64, generation: Int?) throws -> [CandidateRecord] {
        try read { db in
            var request = CandidateRecord.filter(Column("runID") == run)
            if let generation { request = request.filter(Column("generation") == generation) }
            return try request.order(Column("generation"), Column("index")).fetchAll(db)
        }
    }

    public func events(run: Int64) throws -> [EventRecord] {
        try read { db in try EventRecord.filter(Column("runID") == run).order(Column("id")).fetchAll(db) }
    }
}
