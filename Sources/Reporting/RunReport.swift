import Foundation
import Logging
import RunLoop
import RunStore

/// A self-contained HTML page for one run: fitness per generation with its spread, the best parameters, step size
/// and time per generation, all as inline SVG (no scripts, no network).
public enum RunReport {
    /// The objective's own sections (LongRoPE's factors, NAMM's cache kept) come from its method in `objectives`;
    /// `evaluation` is a held-out evaluation file (the method's `evaluate --json`) for it to show.
    public static func html(
        run id: Int64, in store: RunStore, objectives: ObjectiveRegistry, evaluation: Data? = nil,
        logger: Logger = Logger(label: "ctxevo")
    ) throws -> String {
        let record = try store.run(id)
        let generations = try store.generations(run: id)
        let strategy = try ExperimentRunner.strategy(run: id, in: store)
        let events = try store.events(run: id)
        let lowest = try LowestPerplexity.find(run: id, in: store)
        let allPositive = generations.allSatisfy { ($0.bestFitness ?? 1) > 0 && ($0.worstFitness ?? 1) > 0 }

        var fitness = SVGPlot(
            title: "Fitness per generation (band: best to worst of the generation)", xLabel: "generation",
            yLabel: "fitness",
            series: [
                .init(
                    name: "best so far", color: "#d62728",
                    points: generations.compactMap { g in g.bestSoFar.map { (Double(g.index), $0) } }),
                .init(
                    name: "generation best", color: "#1f77b4",
                    points: generations.compactMap { g in g.bestFitness.map { (Double(g.index), $0) } }),
                .init(
                    name: "median", color: "#2ca02c",
                    points: generations.compactMap { g in g.medianFitness.map { (Double(g.index), $0) } }),
            ])
        fitness.band = generations.compactMap { g in
            guard let low = g.bestFitness, let high = g.worstFitness else { return nil }
            return (Double(g.index), low, high)
        }
        fitness.logY = allPositive
        fitness.integerX = true
        var sigma = SVGPlot(
            title: "Step size", xLabel: "generation", yLabel: "sigma",
            series: [
                .init(name: "sigma", color: "#9467bd", points: generations.map { (Double($0.index), $0.stepSize) })
            ])
        sigma.logY = generations.allSatisfy { $0.stepSize > 0 }
        sigma.integerX = true
        let unit = SVGPlot.timeUnit(forLargest: generations.map(\.seconds).max() ?? 0)
        var time = SVGPlot(
            title: "Time per generation", xLabel: "generation", yLabel: unit.name,
            series: [
                .init(
                    name: unit.name, color: "#8c564b",
                    points: generations.map { (Double($0.index), $0.seconds / unit.divisor) })
            ])
        time.integerX = true
        let bestX = strategy?.best?.x ?? []
        var parameters = SVGPlot(
            title: "Best parameters", xLabel: "parameter index", yLabel: "value",
            series: [
                .init(
                    name: "best", color: "#ff7f0e", points: bestX.enumerated().map { (Double($0.offset), $0.element) })
            ])
        parameters.integerX = true

        let rows: [(String, String)] = [
            ("run", "\(id)"), ("name", record.name), ("strategy", record.strategy), ("seed", "\(record.seed)"),
            ("status", record.status.rawValue), ("code", record.codeVersion),
            ("created", ISO8601DateFormatter().string(from: record.createdAt)),
            ("generations", "\(generations.count)"), ("evaluations", "\(strategy?.evaluations ?? 0)"),
            ("best fitness", strategy?.best.map { "\($0.fitness)" } ?? "-"),
            (
                "lowest perplexity evaluated",
                lowest.map {
                    "\($0.perplexity) (generation \($0.candidate.generation), candidate \($0.candidate.index))"
                }
                    ?? "-"
            ),
            ("model sha256", record.modelSHA256), ("data sha256", record.dataSHA256),
        ]
        var page = """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>ctxevo run \(id): \(SVGPlot.escape(record.name))</title>
            <style>body{font-family:sans-serif;margin:24px;max-width:960px}td{padding:2px 12px 2px 0}
            pre{background:#f4f4f4;padding:8px;white-space:pre-wrap}</style></head><body>
            <h1>ctxevo run \(id): \(SVGPlot.escape(record.name))</h1><table>
            """
        for (key, value) in rows {
            page += "<tr><td><b>\(SVGPlot.escape(key))</b></td><td>\(SVGPlot.escape(value))</td></tr>"
        }
        page += "</table>"
        page +=
            "<p>" + fitness.render() + "</p><p>" + sigma.render() + "</p><p>" + time.render() + "</p><p>"
            + parameters.render() + "</p>"
        let experiment = try ExperimentRunner.experiment(run: id, in: store)
        if let method = objectives.method(named: experiment.objective) {
            page += try method.reportSections(run: id, in: store, evaluation: evaluation, logger: logger)
        }
        page +=
            "<h2>Events</h2><pre>"
            + SVGPlot.escape(events.map { "[\($0.level)] \($0.message)" }.joined(separator: "\n")) + "</pre>"
        page += "<h2>Configuration</h2><pre>" + SVGPlot.escape(record.configuration) + "</pre></body></html>\n"
        return page
    }
}
