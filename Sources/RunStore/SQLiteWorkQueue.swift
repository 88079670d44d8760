import Foundation
import GRDB

extension PendingCandidate: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "pending"
}

/// The work queue of the SQLite store. Every claim and every result is an IMMEDIATE transaction, so processes that
/// share the file take the write lock before they read what they will change. Times are this machine's clock.
extension SQLiteRunStore {
    static var now: Double { Date().timeIntervalSince1970 }

    public func enqueue(_ candidates: [PendingCandidate]) throws {
        try immediate { db in
            for candidate in candidates {
                try db.execute(
                    sql: """
                        INSERT INTO pending (runID, generation, "index", parameters, state, attempts)
                        VALUES (?, ?, ?, ?, 'pending', 0)
                        ON CONFLICT (runID, generation, "index") DO UPDATE
                        SET parameters = excluded.parameters, state = 'pending', workerID = NULL, leaseUntil = NULL,
                            error = NULL
                        WHERE pending.state = 'failed' OR pending.parameters <> excluded.parameters
                        """,
                    arguments: [candidate.runID, candidate.generation, candidate.index, candidate.parameters])
            }
        }
    }

    public func pending(run: Int64, generation: Int) throws -> [PendingCandidate] {
        guard hasWorkQueue else { return [] }
        return try read { db in
            try PendingCandidate.filter(Column("runID") == run && Column("generation") == generation)
                .order(Column("index")).fetchAll(db)
        }
    }

    public func registerWorker(host: String, processID: Int32, coordinator run: Int64?) throws -> Int64 {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO worker (host, processID, coordinatorOf, startedAt, heartbeatAt) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [host, processID, run, Self.now, Self.now])
            return db.lastInsertedRowID
        }
    }

    public func claim(run: Int64?, excluding: Set<Int64>, worker: Int64, lease: Double) throws -> PendingCandidate? {
        try immediate { db in
            let now = Self.now
            var sql = """
                SELECT pending.* FROM pending JOIN run ON run.id = pending.runID
                WHERE run.status <> 'finished'
                  AND (pending.state = 'pending' OR (pending.state = 'claimed' AND pending.leaseUntil < ?))
                  AND NOT EXISTS (SELECT 1 FROM candidate c WHERE c.runID = pending.runID
                    AND c.generation = pending.generation AND c."index" = pending."index")
                """
            var arguments: StatementArguments = [now]
            if let run {
                sql += " AND pending.runID = ?"
                arguments += [run]
            }
            if !excluding.isEmpty {
                sql += " AND pending.runID NOT IN (\(excluding.map { _ in "?" }.joined(separator: ",")))"
                arguments += StatementArguments(Array(excluding))
            }
            sql += " ORDER BY pending.runID, pending.generation, pending.\"index\" LIMIT 1"
            guard var candidate = try PendingCandidate.fetchOne(db, sql: sql, arguments: arguments) else { return nil }
            candidate.state = .claimed
            candidate.workerID = worker
            candidate.leaseUntil = now + lease
            candidate.attempts += 1
            try candidate.update(db)
            return candidate
        }
    }

    public func release(_ candidate: PendingCandidate, worker: Int64) throws {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE pending SET state = 'pending', workerID = NULL, leaseUntil = NULL
                    WHERE runID = ? AND generation = ? AND "index" = ? AND workerID = ? AND state = 'claimed'
                    """, arguments: [candidate.runID, candidate.generation, candidate.index, worker])
        }
    }

    public func heartbeat(worker: Int64, lease: Double) throws {
        try write { db in
            let now = Self.now
            try db.execute(sql: "UPDATE worker SET heartbeatAt = ? WHERE id = ?", arguments: [now, worker])
            try db.execute(
                sql: "UPDATE pending SET leaseUntil = ? WHERE workerID = ? AND state = 'claimed'",
                arguments: [now + lease, worker])
        }
    }

    public func complete(_ result: CandidateRecord, worker: Int64) throws -> Bool {
        try immediate { db in
            // Only a candidate still in the queue, with the parameters claimed, takes a result: not one of a
            // generation already recorded, nor a re-asked candidate with other parameters.
            try db.execute(
                sql: """
                    DELETE FROM pending WHERE runID = ? AND generation = ? AND "index" = ? AND parameters = ?
                    """, arguments: [result.runID, result.generation, result.index, result.parameters])
            guard db.changesCount == 1 else { return false }
            var result = result
            result.workerID = worker
            try result.insert(db, onConflict: .ignore)
            return db.changesCount == 1
        }
    }

    public func fail(_ candidate: PendingCandidate, worker: Int64, reason: String) throws {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE pending SET state = 'failed', error = ?, leaseUntil = NULL
                    WHERE runID = ? AND generation = ? AND "index" = ? AND workerID = ?
                    """, arguments: [reason, candidate.runID, candidate.generation, candidate.index, worker])
        }
    }

    public func workers(run: Int64) throws -> [WorkerSummary] {
        guard hasWorkQueue else { return [] }
        return try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT w.id, w.host, w.processID, w.coordinatorOf, w.startedAt, w.heartbeatAt,
                      (SELECT count(*) FROM candidate c WHERE c.runID = ?1 AND c.workerID = w.id) AS done,
                      (SELECT count(*) FROM pending p WHERE p.runID = ?1 AND p.workerID = w.id
                         AND p.state = 'claimed') AS claims
                    FROM worker w
                    WHERE w.coordinatorOf = ?1
                       OR EXISTS (SELECT 1 FROM candidate c WHERE c.runID = ?1 AND c.workerID = w.id)
                       OR EXISTS (SELECT 1 FROM pending p WHERE p.runID = ?1 AND p.workerID = w.id)
                    ORDER BY w.id
                    """, arguments: [run]
            ).map { row in
                WorkerSummary(
                    id: row["id"], host: row["host"], processID: row["processID"], coordinatorOf: row["coordinatorOf"],
                    candidatesDone: row["done"], claims: row["claims"],
                    startedAt: Date(timeIntervalSince1970: row["startedAt"]),
                    lastHeartbeat: Date(timeIntervalSince1970: row["heartbeatAt"]))
            }
        }
    }

    public func lockCoordinator(run: Int64, holder: String) throws -> CoordinatorLock {
        _ = try self.run(run)
        let lock = try FileRangeLock(path: path + "-coordinators", byte: run, location: path)
        guard lock.acquired else { throw RunStoreError.coordinatorBusy(run: run, holder: nil) }
        try releaseClaimsOfEarlierCoordinators(run: run)
        return lock
    }

    func releaseClaimsOfEarlierCoordinators(run: Int64) throws {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE pending SET state = 'pending', workerID = NULL, leaseUntil = NULL
                    WHERE runID = ? AND state = 'claimed'
                      AND workerID IN (SELECT id FROM worker WHERE coordinatorOf = ?)
                    """, arguments: [run, run])
        }
    }

    /// A write transaction that takes SQLite's write lock at BEGIN, so two processes never both read a row as
    /// free and then both claim it.
    func immediate<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try database.writeWithoutTransaction { db in
                var value: T?
                try db.inTransaction(.immediate) {
                    value = try body(db)
                    return .commit
                }
                return value!
            }
        } catch let error as DatabaseError {
            throw named(error)
        }
    }
}
