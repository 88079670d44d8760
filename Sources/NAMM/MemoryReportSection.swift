import Arithmetic
import Assets
import Evolution
import Foundation
import Logging
import MemoryPolicy
import Objectives
import Reporting
import RunLoop
import RunStore
import Transformer

enum MemoryReportSection {
    /// Memory-policy runs (NAMM): the cache kept per layer by the deployed candidate (the latest evaluated mean,
    /// else the lowest fitness), and per generation the perplexity and cache kept of the generation's best.
    /// Then the held-out table and plot of `ctxevo namm evaluate`, when given. Empty for runs whose candidates
    /// record no cache.
    static func html(run id: Int64, in store: RunStore, evaluation: [MemoryEvaluation.Cell]) throws -> String {
        let decoder = JSONDecoder()
        let evaluated = try store.candidates(run: id).fullEvaluations.compactMap {
            candidate -> (CandidateRecord, Metrics)? in
            guard candidate.fitness != nil,
                let metrics = try? decoder.decode(Metrics.self, from: Data(candidate.metrics.utf8)),
                metrics.cacheKeptPerLayer != nil
            else { return nil }
            return (candidate, metrics)
        }
        guard !evaluated.isEmpty else { return "" }
        let means = evaluated.filter { $0.0.index == -1 }
        let deployed =
            means.max(by: { $0.0.generation < $1.0.generation })
            ?? evaluated.min(by: { $0.0.fitness! < $1.0.fitness! })!
        let layers = deployed.1.cacheKeptPerLayer ?? []
        var perLayer = SVGPlot(
            title:
                "Cache kept per layer: generation \(deployed.0.generation), "
                + (deployed.0.index == -1 ? "the distribution's mean" : "candidate \(deployed.0.index)"),
            xLabel: "layer", yLabel: "cache kept (% of tokens seen)",
            series: [
                .init(
                    name: "kept", color: "#17becf",
                    points: layers.enumerated().map { (Double($0.offset), $0.element * 100) })
            ])
        let bestPerGeneration = Dictionary(grouping: evaluated.filter { $0.0.index >= 0 }, by: { $0.0.generation })
            .compactMap { _, group in group.min(by: { $0.0.fitness! < $1.0.fitness! }) }
            .sorted { $0.0.generation < $1.0.generation }
        var trend = SVGPlot(
            title: "Best candidate of each generation: perplexity and cache kept", xLabel: "generation",
            yLabel: "perplexity / cache kept (%)",
            series: [
                .init(
                    name: "perplexity", color: "#1f77b4",
                    points: bestPerGeneration.compactMap { c, m in m.perplexity.map { (Double(c.generation), $0) } }),
                .init(
                    name: "cache kept (%)", color: "#ff7f0e",
                    points: bestPerGeneration.compactMap { c, m in
                        m.cacheKept.map { (Double(c.generation), $0 * 100) }
                    }),
            ])
        perLayer.integerX = true
        trend.integerX = true
        var html = "<h2>Memory</h2><p>" + perLayer.render() + "</p><p>" + trend.render() + "</p>"
        if let perplexity = deployed.1.perplexity, let kept = deployed.1.cacheKept {
            html += String(
                format: "<p>Deployed: perplexity %.4f with %.1f %% of the cache kept", perplexity, kept * 100)
            if let passkey = deployed.1.passkeyRetrieved { html += ", passkey answers retrieved: \(passkey)" }
            html += ".</p>"
        }
        if !evaluation.isEmpty {
            html +=
                "<h2>Held-out evaluation</h2>" + MemoryEvaluation.html(evaluation) + "<p>"
                + MemoryEvaluation.plot(evaluation) + "</p>"
        }
        return html
    }
}
