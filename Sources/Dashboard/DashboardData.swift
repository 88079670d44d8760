import Foundation
import Logging
import RunLoop
import RunStore

/// What the dashboard's page reads, as JSON objects, from a run store opened read-only: the runs list and one
/// run's page (`DashboardPage` describes the shapes). Every value comes from the store as recorded; the page
/// escapes every string it shows.
public struct DashboardData: Sendable {
    public let store: RunStore
    public let objectives: ObjectiveRegistry
    /// A worker not heard of for this long is marked stale (its lease has run out several times over).
    public let staleAfter: Double
    /// Held-out evaluations shown on their runs' pages: run id → the file of the method's `evaluate --json`, read
    /// at each request, so that an evaluation written while the dashboard runs shows on the next load.
    public let evaluations: [Int64: String]
    let logger: Logger

    public init(
        store: RunStore, objectives: ObjectiveRegistry, staleAfter: Double = 180, evaluations: [Int64: String] = [:],
        logger: Logger
    ) {
        self.store = store
        self.objectives = objectives
        self.staleAfter = staleAfter
        self.evaluations = evaluations
        self.logger = logger
    }

    /// The run's method's view of a held-out evaluation of it (tables and plots; every string escaped by the
    /// method): HTML for the page's sections.
    public func heldOutSections(_ id: Int64, evaluation: Data) throws -> String {
        let objective = try ExperimentRunner.experiment(run: id, in: store).objective
        guard let method = objectives.method(named: objective) else {
            throw DashboardError.unknownObjective(objective, run: id)
        }
        return try method.reportSections(run: id, in: store, evaluation: evaluation, logger: logger)
    }

    /// `heldOutSections` of the file given for run `id` (nil when none was given); throws what stops it.
    public func heldOutSectionsOfFile(_ id: Int64) throws -> String? {
        guard let path = evaluations[id] else { return nil }
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw DashboardError.unreadableEvaluation(path)
        }
        return try heldOutSections(id, evaluation: contents)
    }

    /// `heldOutSectionsOfFile` for the page: a file that cannot be read or shown becomes a line saying so (the
    /// server stays up).
    func heldOutSectionsFromFile(_ id: Int64) -> String? {
        do {
            return try heldOutSectionsOfFile(id)
        } catch {
            let path = evaluations[id] ?? ""
            logger.warning("run \(id)'s held-out evaluation \(path): \(error)")
            return "<p class=\"error\">"
                + DashboardSnapshot.escapeAttribute("the held-out evaluation \(path): \(error)")
                + "</p>"
        }
    }

    /// `/api/runs`: one line per run, newest first.
    public func runs() throws -> [String: Any] {
        let lines = try store.runs().compactMap(\.id).sorted(by: >).map { try runLine($0) }
        return ["runs": lines]
    }

    func runLine(_ id: Int64) throws -> [String: Any] {
        let record = try store.run(id)
        let experiment = try? Experiment.stored(record.configuration, run: id)
        let generations = try store.generations(run: id)
        let candidates = try store.candidates(run: id).fullEvaluations
        let workers = try store.workers(run: id)
        let rate = DashboardData.evaluationsPerHour(generations: generations, candidates: candidates)
        let budget = experiment?.maxEvaluations
        let left: Double? =
            record.status == .running
            ? rate.flatMap { r in budget.map { Double(max(0, $0 - candidates.count)) / r * 3600 } } : nil
        return [
            "id": id, "name": record.name, "objective": experiment?.objective ?? "?", "strategy": record.strategy,
            "status": record.status.rawValue, "evaluations": candidates.count, "budget": json(budget),
            "generations": generations.count, "best_fitness": json(generations.compactMap(\.bestSoFar).last),
            "lowest_perplexity": json(
                candidates.filter { $0.status == .ok }.compactMap {
                    DashboardData.number(after: "\"perplexity\":", in: $0.metrics)
                }.min()),
            "evaluations_per_hour": json(rate), "seconds_left": json(left),
            "workers_alive": workers.filter { Date().timeIntervalSince($0.lastHeartbeat) < staleAfter }.count,
            "created": DashboardData.iso(record.createdAt),
        ]
    }

    /// `/api/runs/{id}` as JSON text: the run, its generations, every candidate, its workers and events, the
    /// objective's reference curves, and `extra` keys (the report's held-out view). The candidates' parameters and
    /// metrics go out as the JSON text they are stored as, unparsed: a run of 5,000 candidates is served in tens of
    /// milliseconds instead of seconds.
    public func runJSON(_ id: Int64, extra: [String: Any] = [:]) throws -> String {
        let record = try store.run(id)
        let experiment = try Experiment.stored(record.configuration, run: id)
        let candidates = try store.candidates(run: id)
        let generations = try store.generations(run: id)
        // The lowest perplexity evaluated up to each generation (LongRoPE ranks by it; the fitness adds the penalty).
        var lowest = Double.infinity
        var lowestByGeneration: [Int: Double] = [:]
        for c in candidates.sorted(by: { $0.generation < $1.generation }) {
            if !c.isProxy, c.status == .ok, let p = DashboardData.number(after: "\"perplexity\":", in: c.metrics) {
                lowest = min(lowest, p)
            }
            if lowest.isFinite { lowestByGeneration[c.generation] = lowest }
        }
        var reference: Any = [String: Any]()
        if let method = objectives.method(named: experiment.objective),
            let value = try? method.dashboardReference(experiment, logger: logger),
            let data = try? JSONEncoder().encode(value),
            let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        {
            reference = object
        }
        let experimentObject =
            (try? JSONSerialization.jsonObject(with: Data(record.configuration.utf8))) ?? [String: Any]()
        var head: [String: Any] = [
            "run": [
                "id": id, "name": record.name, "objective": experiment.objective, "strategy": record.strategy,
                "status": record.status.rawValue, "seed": record.seed, "code_version": record.codeVersion,
                "created": DashboardData.iso(record.createdAt), "budget": json(experiment.maxEvaluations),
                "evaluations": candidates.fullEvaluations.count, "experiment": experimentObject,
            ] as [String: Any],
            "generations": generations.map { generation($0, lowest: lowestByGeneration[$0.index]) },
            "workers": try workers(id),
            "events": try store.events(run: id).suffix(200).map {
                ["time": DashboardData.iso($0.time), "level": $0.level, "message": $0.message]
            },
            "reference": reference,
        ]
        if let sections = heldOutSectionsFromFile(id) { head["sections_html"] = sections }
        head.merge(extra) { _, new in new }
        let headText = String(
            decoding: try JSONSerialization.data(withJSONObject: head, options: [.sortedKeys]), as: UTF8.self)
        return "{\"candidates\":[" + candidates.map(candidateJSON).joined(separator: ",") + "],"
            + headText.dropFirst()
    }

    /// One candidate as the page reads it (JSON text; its stored parameters and metrics inlined as they are).
    public func candidateJSON(_ c: CandidateRecord) -> String {
        let split = ProxyIndex.split(c.index)
        func number(_ value: Double?) -> String { value.flatMap { $0.isFinite ? "\($0)" : nil } ?? "null" }
        func raw(_ text: String, _ open: Character, _ close: Character) -> String {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.first == open && trimmed.last == close ? trimmed : "\(open)\(close)"
        }
        return "{\"generation\":\(c.generation),\"index\":\(split.candidate),\"proxy_level\":"
            + (split.level.map { "\($0)" } ?? "null") + ",\"fitness\":" + number(c.fitness) + ",\"status\":\""
            + c.status.rawValue + "\",\"seconds\":" + number(c.seconds) + ",\"worker\":"
            + (c.workerID.map { "\($0)" } ?? "null") + ",\"parameters\":" + raw(c.parameters, "[", "]")
            + ",\"metrics\":" + raw(c.metrics, "{", "}") + "}"
    }

    /// The number after `key` in a JSON object's text (a stored metrics object), without parsing the rest.
    static func number(after key: String, in text: String) -> Double? {
        guard let range = text.range(of: key) else { return nil }
        let digits = text[range.upperBound...].prefix { "0123456789+-.eE".contains($0) }
        return Double(digits)
    }

    /// One generation as the page reads it.
    public func generation(_ g: GenerationRecord, lowest: Double?) -> [String: Any] {
        [
            "index": g.index, "best": json(g.bestFitness), "median": json(g.medianFitness),
            "worst": json(g.worstFitness), "best_so_far": json(g.bestSoFar), "sigma": g.stepSize,
            "seconds": g.seconds, "lowest_perplexity_so_far": json(lowest),
        ]
    }

    /// The run's workers, those not heard of for `staleAfter` seconds marked stale.
    public func workers(_ id: Int64) throws -> [[String: Any]] {
        try store.workers(run: id).map { w in
            let age = Date().timeIntervalSince(w.lastHeartbeat)
            return [
                "id": w.id, "host": w.host, "pid": Int(w.processID),
                "role": w.coordinatorOf == nil ? "worker" : "coordinator", "candidates": w.candidatesDone,
                "claims": w.claims, "heartbeat_age_seconds": age, "stale": age >= staleAfter,
            ]
        }
    }

    /// Full evaluations per hour over the recorded generations' time (nil before one is recorded).
    static func evaluationsPerHour(generations: [GenerationRecord], candidates: [CandidateRecord]) -> Double? {
        let seconds = generations.reduce(0) { $0 + $1.seconds }
        guard seconds > 0, let last = generations.last?.index else { return nil }
        let done = candidates.filter { $0.generation <= last }.count
        return done > 0 ? Double(done) / seconds * 3600 : nil
    }

    static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// A value for JSONSerialization: nil and non-finite numbers become null.
    func json<T>(_ value: T?) -> Any {
        guard let value else { return NSNull() }
        if let d = value as? Double, !d.isFinite { return NSNull() }
        return value
    }
}

/// What the dashboard's data cannot do, named for the person who asked.
public enum DashboardError: Error, CustomStringConvertible {
    case unknownObjective(String, run: Int64)
    case unreadableEvaluation(String)

    public var description: String {
        switch self {
        case .unknownObjective(let name, let run): "run \(run)'s objective '\(name)' is not registered"
        case .unreadableEvaluation(let path): "\(path) cannot be read"
        }
    }
}
