import Foundation
import PostgresNIO

/// The PostgreSQL schema: the SQLite store's tables and migrations (same identifiers, same column names, quoted to
/// keep their case), and the reading of its rows into records. Shipped migrations are never edited.
enum PostgresSchema {
    struct Migration {
        var identifier: String
        var statements: [String]
    }

    /// The first key of ctxevo's advisory locks (the second is 0 for migrations, the run id for coordinators).
    static let lockClass: Int32 = 7270

    static let migrations: [Migration] = [
        Migration(
            identifier: "v1: runs, generations, candidates, events",
            statements: [
                """
                CREATE TABLE run (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, strategy TEXT NOT NULL,
                  configuration TEXT NOT NULL, "modelSHA256" TEXT NOT NULL, "dataSHA256" TEXT NOT NULL,
                  "codeVersion" TEXT NOT NULL, seed BIGINT NOT NULL, status TEXT NOT NULL,
                  "createdAt" TIMESTAMPTZ NOT NULL)
                """,
                """
                CREATE TABLE generation ("runID" BIGINT NOT NULL REFERENCES run (id) ON DELETE CASCADE,
                  "index" BIGINT NOT NULL, state BYTEA NOT NULL, "bestFitness" DOUBLE PRECISION,
                  "medianFitness" DOUBLE PRECISION, "worstFitness" DOUBLE PRECISION, "bestSoFar" DOUBLE PRECISION,
                  "stepSize" DOUBLE PRECISION NOT NULL, seconds DOUBLE PRECISION NOT NULL,
                  "finishedAt" TIMESTAMPTZ NOT NULL, PRIMARY KEY ("runID", "index"))
                """,
                """
                CREATE TABLE candidate ("runID" BIGINT NOT NULL REFERENCES run (id) ON DELETE CASCADE,
                  generation BIGINT NOT NULL, "index" BIGINT NOT NULL, parameters TEXT NOT NULL,
                  fitness DOUBLE PRECISION, metrics TEXT NOT NULL, status TEXT NOT NULL,
                  seconds DOUBLE PRECISION NOT NULL, PRIMARY KEY ("runID", generation, "index"))
                """,
                """
                CREATE TABLE event (id BIGSERIAL PRIMARY KEY,
                  "runID" BIGINT NOT NULL REFERENCES run (id) ON DELETE CASCADE, time TIMESTAMPTZ NOT NULL,
                  level TEXT NOT NULL, message TEXT NOT NULL)
                """,
            ]),
        Migration(
            identifier: "v2: work queue, workers",
            statements: [
                "ALTER TABLE candidate ADD COLUMN \"workerID\" BIGINT",
                """
                CREATE TABLE worker (id BIGSERIAL PRIMARY KEY, host TEXT NOT NULL, "processID" BIGINT NOT NULL,
                  "coordinatorOf" BIGINT, "startedAt" DOUBLE PRECISION NOT NULL,
                  "heartbeatAt" DOUBLE PRECISION NOT NULL)
                """,
                """
                CREATE TABLE pending ("runID" BIGINT NOT NULL REFERENCES run (id) ON DELETE CASCADE,
                  generation BIGINT NOT NULL, "index" BIGINT NOT NULL, parameters TEXT NOT NULL, state TEXT NOT NULL,
                  "workerID" BIGINT, "leaseUntil" DOUBLE PRECISION, attempts BIGINT NOT NULL, error TEXT,
                  PRIMARY KEY ("runID", generation, "index"))
                """,
            ]),
    ]

    static var identifiers: Set<String> { Set(migrations.map(\.identifier)) }

    // MARK: rows -> records (a stored value that does not decode is a damaged database)

    static func value<T: PostgresDecodable>(_ row: PostgresRandomAccessRow, _ column: String, as: T.Type) throws -> T {
        do { return try row[column].decode(T.self) } catch {
            throw RunStoreError.database(
                "the PostgreSQL run database", "the stored column \(column) cannot be read as \(T.self)")
        }
    }

    static func status<T: RawRepresentable<String>>(_ text: String, _ type: T.Type, column: String) throws -> T {
        guard let value = T(rawValue: text) else {
            throw RunStoreError.database("", "the stored \(column) '\(text)' is not one ctxevo writes")
        }
        return value
    }

    static func run(_ row: PostgresRandomAccessRow) throws -> RunRecord {
        var run = RunRecord(
            name: try value(row, "name", as: String.self), strategy: try value(row, "strategy", as: String.self),
            configuration: try value(row, "configuration", as: String.self),
            modelSHA256: try value(row, "modelSHA256", as: String.self),
            dataSHA256: try value(row, "dataSHA256", as: String.self),
            codeVersion: try value(row, "codeVersion", as: String.self), seed: try value(row, "seed", as: Int64.self),
            status: try status(try value(row, "status", as: String.self), RunStatus.self, column: "run status"),
            createdAt: try value(row, "createdAt", as: Date.self))
        run.id = try value(row, "id", as: Int64.self)
        return run
    }

    static func generation(_ row: PostgresRandomAccessRow) throws -> GenerationRecord {
        GenerationRecord(
            runID: try value(row, "runID", as: Int64.self), index: try value(row, "index", as: Int.self),
            state: try value(row, "state", as: Data.self), bestFitness: try value(row, "bestFitness", as: Double?.self),
            medianFitness: try value(row, "medianFitness", as: Double?.self),
            worstFitness: try value(row, "worstFitness", as: Double?.self),
            bestSoFar: try value(row, "bestSoFar", as: Double?.self),
            stepSize: try value(row, "stepSize", as: Double.self),
            seconds: try value(row, "seconds", as: Double.self), finishedAt: try value(row, "finishedAt", as: Date.self)
        )
    }

    static func candidate(_ row: PostgresRandomAccessRow) throws -> CandidateRecord {
        CandidateRecord(
            runID: try value(row, "runID", as: Int64.self), generation: try value(row, "generation", as: Int.self),
            index: try value(row, "index", as: Int.self), parameters: try value(row, "parameters", as: String.self),
            fitness: try value(row, "fitness", as: Double?.self), metrics: try value(row, "metrics", as: String.self),
            status: try status(
                try value(row, "status", as: String.self), CandidateStatus.self, column: "candidate status"),
            seconds: try value(row, "seconds", as: Double.self), workerID: try value(row, "workerID", as: Int64?.self))
    }

    static func event(_ row: PostgresRandomAccessRow) throws -> EventRecord {
        EventRecord(
            id: try value(row, "id", as: Int64.self), runID: try value(row, "runID", as: Int64.self),
            time: try value(row, "time", as: Date.self), level: try value(row, "level", as: String.self),
            message: try value(row, "message", as: String.self))
    }

    static func pending(_ row: PostgresRandomAccessRow) throws -> PendingCandidate {
        PendingCandidate(
            runID: try value(row, "runID", as: Int64.self), generation: try value(row, "generation", as: Int.self),
            index: try value(row, "index", as: Int.self), parameters: try value(row, "parameters", as: String.self),
            state: try status(try value(row, "state", as: String.self), PendingState.self, column: "pending state"),
            workerID: try value(row, "workerID", as: Int64?.self),
            leaseUntil: try value(row, "leaseUntil", as: Double?.self),
            attempts: try value(row, "attempts", as: Int.self),
            error: try value(row, "error", as: String?.self))
    }
}
