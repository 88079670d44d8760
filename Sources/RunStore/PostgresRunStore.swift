import Foundation
import PostgresNIO

/// The shared store: the same tables as `SQLiteRunStore` on a PostgreSQL server, so that a coordinator and any
/// number of workers on any number of machines work on one run (the pattern of Optuna's RDB storage). Claims use
/// `FOR UPDATE SKIP LOCKED`; leases and heartbeats are timed by the server's clock, so the machines' clocks need
/// not agree. The coordinator of a run holds a session-level advisory lock, which the server drops when the
/// coordinator's connection ends, however it ends.
public final class PostgresRunStore: RunStore {
    public let url: PostgresURL
    public var location: String { url.redacted }
    let session: PostgresSession

    /// The epoch seconds of the server's clock (`now()` would freeze at the start of a transaction).
    static let now = "extract(epoch from clock_timestamp())::float8"

    let policy: OutagePolicy

    /// Opens the store, creating or upgrading its tables unless `readOnly`. A schema written by a newer ctxevo is
    /// refused before anything is written; so is a database whose tables are not ctxevo's. A connection lost later
    /// is made again within `policy` (see `PostgresSession`).
    public init(url: PostgresURL, readOnly: Bool = false, policy: OutagePolicy = .standard) throws {
        self.url = url
        self.policy = policy
        session = try PostgresSession.connect(
            url, applicationName: PostgresRunStore.applicationName, policy: policy, readOnly: readOnly)
        if readOnly {
            guard try migrationsTableExists() else {
                throw RunStoreError.notAStore(url.redacted, reason: "it has no ctxevo tables")
            }
            let applied = try appliedMigrations()
            if !applied.isSubset(of: PostgresSchema.identifiers) { throw RunStoreError.newerVersion(url.redacted) }
            if applied != PostgresSchema.identifiers {
                throw RunStoreError.notAStore(
                    url.redacted,
                    reason: "its schema is older than this ctxevo's; open it once for writing to upgrade it")
            }
        } else {
            try migrate()
        }
    }

    static var applicationName: String {
        "ctxevo \(ProcessInfo.processInfo.hostName) pid \(ProcessInfo.processInfo.processIdentifier)"
    }

    func migrationsTableExists() throws -> Bool {
        try session.query("SELECT to_regclass('ctxevo_migrations') IS NOT NULL AS present").first?["present"]
            .decode(Bool.self) == true
    }

    func appliedMigrations() throws -> Set<String> {
        Set(
            try session.query("SELECT identifier FROM ctxevo_migrations").map {
                try $0["identifier"].decode(String.self)
            })
    }

    /// Applies the migrations this database lacks, in one transaction under a lock, so that processes starting
    /// together do not race. Shipped migrations are never edited.
    func migrate() throws {
        // Up to date: nothing to lock or create (a role with rights on the tables only, no DDL, can work).
        if try migrationsTableExists() {
            let applied = try appliedMigrations()
            if !applied.isSubset(of: PostgresSchema.identifiers) { throw RunStoreError.newerVersion(url.redacted) }
            if applied == PostgresSchema.identifiers { return }
        }
        try session.transaction {
            try session.query("SELECT pg_advisory_xact_lock(\(unescaped: String(PostgresSchema.lockClass)), 0)")
            try session.query(
                "CREATE TABLE IF NOT EXISTS ctxevo_migrations (identifier TEXT PRIMARY KEY, \"appliedAt\" TIMESTAMPTZ NOT NULL)"
            )
            let applied = try appliedMigrations()
            if !applied.isSubset(of: PostgresSchema.identifiers) { throw RunStoreError.newerVersion(url.redacted) }
            if applied.isEmpty {
                let foreign = try session.query(
                    """
                    SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = current_schema()
                      AND table_name IN ('run', 'generation', 'candidate', 'event', 'worker', 'pending')
                    """)
                if try foreign.first?["n"].decode(Int.self) ?? 0 > 0 {
                    throw RunStoreError.notAStore(
                        url.redacted, reason: "it has tables named like ctxevo's that are not ctxevo's")
                }
            }
            for migration in PostgresSchema.migrations where !applied.contains(migration.identifier) {
                for statement in migration.statements { try session.query(PostgresQuery(unsafeSQL: statement)) }
                try session.query(
                    "INSERT INTO ctxevo_migrations (identifier, \"appliedAt\") VALUES (\(migration.identifier), \(Date()))"
                )
            }
        }
    }

    // MARK: writes

    /// Not retried after a lost connection: a lost reply to the insert would leave a second run.
    public func createRun(_ run: RunRecord) throws -> RunRecord {
        let rows = try session.query(
            """
            INSERT INTO run (name, strategy, configuration, "modelSHA256", "dataSHA256", "codeVersion", seed, status,
              "createdAt")
            VALUES (\(run.name), \(run.strategy), \(run.configuration), \(run.modelSHA256), \(run.dataSHA256),
              \(run.codeVersion), \(run.seed), \(run.status.rawValue), \(run.createdAt))
            RETURNING id
            """, retrying: false)
        var run = run
        run.id = try rows.first?["id"].decode(Int64.self)
        return run
    }

    public func recordCandidate(_ c: CandidateRecord) throws {
        try session.query(
            """
            INSERT INTO candidate ("runID", generation, "index", parameters, fitness, metrics, status, seconds,
              "workerID")
            VALUES (\(c.runID), \(c.generation), \(c.index), \(c.parameters), \(c.fitness), \(c.metrics),
              \(c.status.rawValue), \(c.seconds), \(c.workerID))
            ON CONFLICT ("runID", generation, "index") DO UPDATE SET parameters = excluded.parameters,
              fitness = excluded.fitness, metrics = excluded.metrics, status = excluded.status,
              seconds = excluded.seconds, "workerID" = excluded."workerID"
            """)
    }

    public func recordGeneration(_ g: GenerationRecord) throws {
        try session.transaction {
            try session.query(
                """
                INSERT INTO generation ("runID", "index", state, "bestFitness", "medianFitness", "worstFitness",
                  "bestSoFar", "stepSize", seconds, "finishedAt")
                VALUES (\(g.runID), \(g.index), \(g.state), \(g.bestFitness), \(g.medianFitness), \(g.worstFitness),
                  \(g.bestSoFar), \(g.stepSize), \(g.seconds), \(g.finishedAt))
                ON CONFLICT ("runID", "index") DO UPDATE SET state = excluded.state,
                  "bestFitness" = excluded."bestFitness", "medianFitness" = excluded."medianFitness",
                  "worstFitness" = excluded."worstFitness", "bestSoFar" = excluded."bestSoFar",
                  "stepSize" = excluded."stepSize", seconds = excluded.seconds, "finishedAt" = excluded."finishedAt"
                """)
            try session.query("DELETE FROM pending WHERE \"runID\" = \(g.runID) AND generation <= \(g.index)")
        }
    }

    public func recordEvent(run: Int64, level: String, _ message: String) throws {
        try session.query(
            "INSERT INTO event (\"runID\", time, level, message) VALUES (\(run), \(Date()), \(level), \(message))")
    }

    public func setStatus(run: Int64, _ status: RunStatus) throws {
        try session.query("UPDATE run SET status = \(status.rawValue) WHERE id = \(run)")
    }

    // MARK: reads

    public func runs() throws -> [RunRecord] {
        try session.query("SELECT * FROM run ORDER BY id").map(PostgresSchema.run)
    }

    public func run(_ id: Int64) throws -> RunRecord {
        guard let row = try session.query("SELECT * FROM run WHERE id = \(id)").first else {
            throw RunStoreError.unknownRun(id)
        }
        return try PostgresSchema.run(row)
    }

    public func generations(run: Int64) throws -> [GenerationRecord] {
        try session.query("SELECT * FROM generation WHERE \"runID\" = \(run) ORDER BY \"index\"")
            .map(PostgresSchema.generation)
    }

    public func lastGeneration(run: Int64) throws -> GenerationRecord? {
        try session.query("SELECT * FROM generation WHERE \"runID\" = \(run) ORDER BY \"index\" DESC LIMIT 1")
            .first.map(PostgresSchema.generation)
    }

    public func candidates(run: Int64, generation: Int?) throws -> [CandidateRecord] {
        let rows =
            if let generation {
                try session.query(
                    "SELECT * FROM candidate WHERE \"runID\" = \(run) AND generation = \(generation) ORDER BY \"index\""
                )
            } else {
                try session.query("SELECT * FROM candidate WHERE \"runID\" = \(run) ORDER BY generation, \"index\"")
            }
        return try rows.map(PostgresSchema.candidate)
    }

    public func events(run: Int64) throws -> [EventRecord] {
        try session.query("SELECT * FROM event WHERE \"runID\" = \(run) ORDER BY id").map(PostgresSchema.event)
    }
}
