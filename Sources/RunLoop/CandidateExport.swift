import Foundation
import RunStore

/// Every candidate of a run as a table (`ctxevo runs export --format candidates-csv|candidates-json`), the proxies of a
/// multi-fidelity run with their level (`proxy_level`; empty or null for a full evaluation).
public enum CandidateExport {
    public static func csv(run id: Int64, in store: RunStore) throws -> String {
        _ = try store.run(id)
        let candidates = try store.candidates(run: id)
        let parameters = try candidates.map { try ExperimentRunner.decodeParameters($0.parameters, run: id) }
        let width = parameters.map(\.count).max() ?? 0
        var lines = [
            (["generation", "index", "fitness", "status", "seconds", "proxy_level"] + (0..<width).map { "x\($0)" })
                .joined(
                    separator: ",")
        ]
        for (c, x) in zip(candidates, parameters) {
            let fields = [
                "\(c.generation)", "\(c.index)", c.fitness.map { "\($0)" } ?? "", c.status.rawValue, "\(c.seconds)",
                ProxyIndex.split(c.index).level.map { "\($0)" } ?? "",
            ]
            lines.append((fields + x.map { "\($0)" }).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func json(run id: Int64, in store: RunStore) throws -> String {
        _ = try store.run(id)
        let rows: [[String: Any]] = try store.candidates(run: id).map { c in
            [
                "generation": c.generation, "index": c.index, "fitness": c.fitness.map { $0 as Any } ?? NSNull(),
                "status": c.status.rawValue, "seconds": c.seconds,
                "proxy_level": ProxyIndex.split(c.index).level.map { $0 as Any } ?? NSNull(),
                "parameters": try ExperimentRunner.decodeParameters(c.parameters, run: id),
                "metrics": (try? JSONSerialization.jsonObject(with: Data(c.metrics.utf8))) ?? [String: Any](),
            ]
        }
        let data = try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
