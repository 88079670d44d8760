import Foundation
import RunStore

/// One line about a run, for `runs list`, `runs compare` and `runs show`: what it is, how far it got, how it ended.
public struct RunSummary: Sendable {
    public let id: Int64
    public let name: String
    public let strategy: String
    public let seed: Int64
    public let status: RunStatus
    public let codeVersion: String
    public let modelSHA256: String
    public let dataSHA256: String
    public let createdAt: Date
    public let generations: Int
    public let evaluations: Int
    public let best: Double?
    /// Seconds of the recorded generations.
    public let seconds: Double
    /// The termination in words for a finished run, else the status.
    public let ending: String

    public init(run id: Int64, in store: RunStore) throws {
        let record = try store.run(id)
        let generations = try store.generations(run: id)
        let strategy = try ExperimentRunner.strategy(run: id, in: store)
        self.id = id
        name = record.name
        self.strategy = record.strategy
        seed = record.seed
        status = record.status
        codeVersion = record.codeVersion
        modelSHA256 = record.modelSHA256
        dataSHA256 = record.dataSHA256
        createdAt = record.createdAt
        self.generations = generations.count
        evaluations = strategy?.evaluations ?? 0
        best = strategy?.best?.fitness ?? generations.compactMap(\.bestSoFar).last
        seconds = generations.reduce(0) { $0 + $1.seconds }
        let finished = try store.events(run: id).last { $0.message.hasPrefix("finished") }?.message
        ending = record.status.isEnded ? (finished ?? record.status.rawValue) : record.status.rawValue
    }

    public static func all(in store: RunStore) throws -> [RunSummary] {
        try store.runs().compactMap(\.id).map { try RunSummary(run: $0, in: store) }
    }

    public var dictionary: [String: Any] {
        [
            "id": id, "name": name, "strategy": strategy, "seed": seed, "status": status.rawValue,
            "generations": generations, "evaluations": evaluations, "best": best.map { $0 as Any } ?? NSNull(),
            "seconds": seconds, "ending": ending, "created": ISO8601DateFormatter().string(from: createdAt),
            "model_sha256": modelSHA256, "data_sha256": dataSHA256, "code_version": codeVersion,
        ]
    }
}
