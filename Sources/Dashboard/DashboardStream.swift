import Foundation
import RunLoop
import RunStore

/// What one open run page has not been sent yet: the server-sent events of `/api/runs/{id}/stream`. The page
/// says from which generation on it wants rows (`since`); after that only rows it was not sent go out, polled from
/// the store, so candidates recorded by any worker on any machine appear as they are recorded.
struct DashboardStream {
    let run: Int64
    let since: Int
    private var sentCandidates: Set<[Int]> = []
    private var sentGenerations: Set<Int> = []
    private var lastStatus: String?
    private var lastEvaluations: Int?

    init(run: Int64, since: Int) {
        self.run = run
        self.since = max(0, since)
    }

    /// One server-sent event.
    struct Event {
        let name: String
        /// The event's data: JSON text on one line.
        let json: String

        init(name: String, json: String) {
            self.name = name
            self.json = json
        }

        init(name: String, payload: Any) {
            let data = (try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])) ?? Data("{}".utf8)
            self.init(name: name, json: String(decoding: data, as: UTF8.self))
        }

        var text: String { "event: \(name)\ndata: \(json)\n\n" }
    }

    /// The rows recorded since the last call (the first call: those of generations from `since` on), the run's
    /// status when it changed, and with `workers` the workers table.
    mutating func news(_ data: DashboardData, workers: Bool) throws -> [Event] {
        let store = data.store
        var events: [Event] = []
        let generations = try store.generations(run: run)
        let current = (generations.last?.index ?? -1) + 1
        var fresh: [CandidateRecord] = []
        // The first call sends every generation from `since` on; later ones look at the last two (a generation's
        // rows come before its record, and nothing is recorded in an older one after).
        let from = lastEvaluations == nil ? since : max(since, current - 1)
        for generation in from...max(from, current) {
            for c in try store.candidates(run: run, generation: generation)
            where !sentCandidates.contains([c.generation, c.index]) {
                sentCandidates.insert([c.generation, c.index])
                fresh.append(c)
            }
        }
        events += fresh.map { Event(name: "candidate", json: data.candidateJSON($0)) }
        let newGenerations = generations.filter { $0.index >= since && !sentGenerations.contains($0.index) }
        if !newGenerations.isEmpty {
            let lowest = try DashboardStream.lowestPerplexity(run: run, in: store)
            for g in newGenerations {
                sentGenerations.insert(g.index)
                let upTo = lowest.filter { $0.key <= g.index }.values.min()
                events.append(Event(name: "generation", payload: data.generation(g, lowest: upTo)))
            }
        }
        let record = try store.run(run)
        // Counted once, then from the rows sent (every full evaluation recorded since is among them).
        let evaluations =
            try lastEvaluations.map { $0 + fresh.fullEvaluations.count }
            ?? store.candidates(run: run).fullEvaluations.count
        if record.status.rawValue != lastStatus || evaluations != lastEvaluations {
            lastStatus = record.status.rawValue
            lastEvaluations = evaluations
            events.append(Event(name: "run", payload: ["status": record.status.rawValue, "evaluations": evaluations]))
        }
        if workers { events.append(Event(name: "workers", payload: try data.workers(run))) }
        return events
    }

    /// The lowest perplexity of each generation's full evaluations (where the metrics have one).
    static func lowestPerplexity(run: Int64, in store: RunStore) throws -> [Int: Double] {
        var lowest: [Int: Double] = [:]
        let decoder = JSONDecoder()
        for c in try store.candidates(run: run).fullEvaluations where c.status == .ok {
            struct Perplexity: Decodable { let perplexity: Double? }
            if let p = (try? decoder.decode(Perplexity.self, from: Data(c.metrics.utf8)))?.perplexity {
                lowest[c.generation] = min(lowest[c.generation] ?? .infinity, p)
            }
        }
        return lowest
    }
}
