import Foundation
import Logging
import PostgresNIO

/// The work queue of the PostgreSQL store. A claim is one statement: the oldest free candidate, locked with
/// `FOR UPDATE SKIP LOCKED` so that workers claiming at the same moment each get a different one without waiting.
/// A claim also checks that no result is recorded for the candidate: a coordinator that re-enqueues a candidate
/// just as a worker records it cannot have it evaluated again.
extension PostgresRunStore {
    public func enqueue(_ candidates: [PendingCandidate]) throws {
        try session.transaction {
            for c in candidates {
                try session.query(
                    """
                    INSERT INTO pending ("runID", generation, "index", parameters, state, attempts)
                    VALUES (\(c.runID), \(c.generation), \(c.index), \(c.parameters), 'pending', 0)
                    ON CONFLICT ("runID", generation, "index") DO UPDATE
                    SET parameters = excluded.parameters, state = 'pending', "workerID" = NULL, "leaseUntil" = NULL,
                        error = NULL
                    WHERE pending.state = 'failed' OR pending.parameters <> excluded.parameters
                    """)
            }
        }
    }

    public func pending(run: Int64, generation: Int) throws -> [PendingCandidate] {
        try session.query(
            "SELECT * FROM pending WHERE \"runID\" = \(run) AND generation = \(generation) ORDER BY \"index\""
        ).map(PostgresSchema.pending)
    }

    public func registerWorker(host: String, processID: Int32, coordinator run: Int64?) throws -> Int64 {
        let rows = try session.query(
            """
            INSERT INTO worker (host, "processID", "coordinatorOf", "startedAt", "heartbeatAt")
            VALUES (\(host), \(Int64(processID)), \(run), \(unescaped: Self.now), \(unescaped: Self.now)) RETURNING id
            """)
        guard let id = try rows.first?["id"].decode(Int64.self) else {
            throw RunStoreError.database(location, "the new worker got no id")
        }
        return id
    }

    public func claim(run: Int64?, excluding: Set<Int64>, worker: Int64, lease: Double) throws -> PendingCandidate? {
        var bindings = PostgresBindings()
        bindings.append(worker)
        bindings.append(lease)
        var filter = ""
        if let run {
            bindings.append(run)
            filter += " AND p.\"runID\" = $\(bindings.count)"
        }
        if !excluding.isEmpty {
            bindings.append(Array(excluding))
            filter += " AND NOT (p.\"runID\" = ANY($\(bindings.count)))"
        }
        let sql = """
            UPDATE pending SET state = 'claimed', "workerID" = $1, "leaseUntil" = \(Self.now) + $2,
              attempts = pending.attempts + 1
            WHERE ("runID", generation, "index") = (
              SELECT p."runID", p.generation, p."index" FROM pending p JOIN run r ON r.id = p."runID"
              WHERE r.status <> 'finished'
                AND (p.state = 'pending' OR (p.state = 'claimed' AND p."leaseUntil" < \(Self.now)))\(filter)
                AND NOT EXISTS (SELECT 1 FROM candidate c WHERE c."runID" = p."runID"
                  AND c.generation = p.generation AND c."index" = p."index")
              ORDER BY p."runID", p.generation, p."index"
              LIMIT 1 FOR UPDATE OF p SKIP LOCKED)
            RETURNING *
            """
        // A claim whose reply was lost with the connection may have been granted: this worker holds no other
        // claim while it asks for one, so on a retry it first gives back whatever it holds (the heartbeat would
        // otherwise keep such an orphan claimed for ever).
        return try session.resilient { retry in
            if retry {
                try session.query(
                    """
                    UPDATE pending SET state = 'pending', "workerID" = NULL, "leaseUntil" = NULL
                    WHERE "workerID" = \(worker) AND state = 'claimed'
                    """)
            }
            return try session.query(PostgresQuery(unsafeSQL: sql, binds: bindings)).first.map(PostgresSchema.pending)
        }
    }

    public func release(_ c: PendingCandidate, worker: Int64) throws {
        try session.query(
            """
            UPDATE pending SET state = 'pending', "workerID" = NULL, "leaseUntil" = NULL
            WHERE "runID" = \(c.runID) AND generation = \(c.generation) AND "index" = \(c.index)
              AND "workerID" = \(worker) AND state = 'claimed'
            """)
    }

    public func heartbeat(worker: Int64, lease: Double) throws {
        try session.transaction {
            try session.query("UPDATE worker SET \"heartbeatAt\" = \(unescaped: Self.now) WHERE id = \(worker)")
            try session.query(
                """
                UPDATE pending SET "leaseUntil" = \(unescaped: Self.now) + \(lease)
                WHERE "workerID" = \(worker) AND state = 'claimed'
                """)
        }
    }

    public func complete(_ result: CandidateRecord, worker: Int64) throws -> Bool {
        try session.transaction {
            // Only a candidate still in the queue, with the parameters claimed, takes a result: not one of a
            // generation already recorded, nor a re-asked candidate with other parameters.
            let removed = try session.query(
                """
                DELETE FROM pending WHERE "runID" = \(result.runID) AND generation = \(result.generation)
                  AND "index" = \(result.index) AND parameters = \(result.parameters) RETURNING 1 AS removed
                """)
            guard !removed.isEmpty else {
                // Recorded already: by another worker (a late result, discarded), or by this one in a transaction
                // whose COMMIT went through while its reply was lost with the connection.
                let own = try session.query(
                    """
                    SELECT 1 AS own FROM candidate WHERE "runID" = \(result.runID) AND generation = \(result.generation)
                      AND "index" = \(result.index) AND "workerID" = \(worker) AND parameters = \(result.parameters)
                    """)
                return !own.isEmpty
            }
            let inserted = try session.query(
                """
                INSERT INTO candidate ("runID", generation, "index", parameters, fitness, metrics, status, seconds,
                  "workerID")
                VALUES (\(result.runID), \(result.generation), \(result.index), \(result.parameters),
                  \(result.fitness), \(result.metrics), \(result.status.rawValue), \(result.seconds), \(worker))
                ON CONFLICT ("runID", generation, "index") DO NOTHING RETURNING 1 AS inserted
                """)
            return !inserted.isEmpty
        }
    }

    public func fail(_ c: PendingCandidate, worker: Int64, reason: String) throws {
        try session.query(
            """
            UPDATE pending SET state = 'failed', error = \(reason), "leaseUntil" = NULL
            WHERE "runID" = \(c.runID) AND generation = \(c.generation) AND "index" = \(c.index)
              AND "workerID" = \(worker)
            """)
    }

    public func workers(run: Int64) throws -> [WorkerSummary] {
        try session.query(
            """
            SELECT w.*,
              (SELECT count(*) FROM candidate c WHERE c."runID" = \(run) AND c."workerID" = w.id) AS done,
              (SELECT count(*) FROM pending p WHERE p."runID" = \(run) AND p."workerID" = w.id
                 AND p.state = 'claimed') AS claims
            FROM worker w
            WHERE w."coordinatorOf" = \(run)
               OR EXISTS (SELECT 1 FROM candidate c WHERE c."runID" = \(run) AND c."workerID" = w.id)
               OR EXISTS (SELECT 1 FROM pending p WHERE p."runID" = \(run) AND p."workerID" = w.id)
            ORDER BY w.id
            """
        ).map { row in
            WorkerSummary(
                id: try row["id"].decode(Int64.self), host: try row["host"].decode(String.self),
                processID: Int32(truncatingIfNeeded: try row["processID"].decode(Int64.self)),
                coordinatorOf: try row["coordinatorOf"].decode(Int64?.self),
                candidatesDone: try row["done"].decode(Int.self), claims: try row["claims"].decode(Int.self),
                startedAt: Date(timeIntervalSince1970: try row["startedAt"].decode(Double.self)),
                lastHeartbeat: Date(timeIntervalSince1970: try row["heartbeatAt"].decode(Double.self)))
        }
    }

    public func lockCoordinator(run: Int64, holder: String) throws -> CoordinatorLock {
        _ = try self.run(run)
        // A connection of its own: the lock lives exactly as long as it.
        let lockSession = try PostgresSession.connect(
            url, applicationName: "ctxevo coordinator of run \(run): \(holder)", policy: policy)
        let key = Int32(truncatingIfNeeded: run)
        // A coordinator that has just ended may still hold the lock for a moment (its server process is ending).
        var granted = false
        let deadline = Date().addingTimeInterval(3)
        repeat {
            granted = try PostgresCoordinatorLock.take(key, on: lockSession)
            if !granted { Thread.sleep(forTimeInterval: 0.1) }
        } while !granted && Date() < deadline
        guard granted else {
            let holder = PostgresCoordinatorLock.holder(key, on: session)
            lockSession.close()
            throw RunStoreError.coordinatorBusy(run: run, holder: holder)
        }
        try session.query(
            """
            UPDATE pending SET state = 'pending', "workerID" = NULL, "leaseUntil" = NULL
            WHERE "runID" = \(run) AND state = 'claimed'
              AND "workerID" IN (SELECT id FROM worker WHERE "coordinatorOf" = \(run))
            """)
        return PostgresCoordinatorLock(session: lockSession, key: key)
    }
}

/// The advisory lock of a coordinator: its own connection, whose end (by `release`, or by the end of the process)
/// frees the run. The server's TCP keepalives (set on every connection) free it within about a minute when the
/// coordinator's machine, not just its process, is gone.
final class PostgresCoordinatorLock: CoordinatorLock {
    let session: PostgresSession
    let key: Int32
    init(session: PostgresSession, key: Int32) {
        self.session = session
        self.key = key
    }

    /// Whether this coordinator still holds the run. A lost connection lost the lock with it: on a new connection
    /// the lock is taken again, unless another coordinator has taken the run meanwhile (then this one steps back).
    func check() throws {
        try session.resilient { retry in
            if retry {
                guard try Self.take(key, on: session) else {
                    throw RunStoreError.coordinatorReplaced(run: Int64(key), holder: Self.holder(key, on: session))
                }
                Logger(label: "ctxevo").notice("coordinator of run \(key): holds the run again")
            }
            let held = try session.query(
                """
                SELECT count(*) AS held FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
                  AND classid = \(unescaped: String(PostgresSchema.lockClass)) AND objid = \(key) AND granted
                """
            ).first?["held"].decode(Int.self)
            guard held == 1 else {
                throw RunStoreError.database(session.location, "this coordinator lost its lock on the run")
            }
        }
    }

    /// Takes the run's lock on `session` if it is free.
    static func take(_ key: Int32, on session: PostgresSession) throws -> Bool {
        try session.query(
            "SELECT pg_try_advisory_lock(\(unescaped: String(PostgresSchema.lockClass)), \(key)) AS granted"
        ).first?["granted"].decode(Bool.self) == true
    }

    /// The application name of the coordinator that holds the run's lock (nil when unknown).
    static func holder(_ key: Int32, on session: PostgresSession) -> String? {
        try? session.query(
            """
            SELECT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.classid = \(unescaped: String(PostgresSchema.lockClass))
              AND l.objid = \(key) AND l.objsubid = 2 AND l.granted
            """
        ).first?["name"].decode(String.self)
    }

    func release() {
        _ = try? session.query(
            "SELECT pg_advisory_unlock(\(unescaped: String(PostgresSchema.lockClass)), \(key))", retrying: false)
        session.close()
    }
}
