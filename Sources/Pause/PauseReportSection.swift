import Foundation
import Objectives
import Reporting
import RunStore

/// A pause run's report: the answer perplexity of each generation's best candidate, overall and per family, and
/// the held-out table of `ctxevo pause evaluate --json` when given.
enum PauseReportSection {
    static func html(run id: Int64, in store: RunStore, evaluation: [PauseEvaluation.Row]) throws -> String {
        let decoder = JSONDecoder()
        let evaluated = try store.candidates(run: id).fullEvaluations.compactMap {
            candidate -> (CandidateRecord, Metrics)? in
            guard candidate.fitness != nil, candidate.index >= 0,
                let metrics = try? decoder.decode(Metrics.self, from: Data(candidate.metrics.utf8)),
                metrics.perFamilyPerplexity != nil
            else { return nil }
            return (candidate, metrics)
        }
        guard !evaluated.isEmpty else { return "" }
        let best = Dictionary(grouping: evaluated, by: { $0.0.generation })
            .compactMap { _, group in group.min(by: { $0.0.fitness! < $1.0.fitness! }) }
            .sorted { $0.0.generation < $1.0.generation }
        let families = Set(evaluated.flatMap { $0.1.perFamilyPerplexity!.keys }).sorted()
        let colors = ["#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
        var series: [SVGPlot.Series] = [
            .init(
                name: "all", color: "#1f77b4",
                points: best.compactMap { c, m in m.perplexity.map { (Double(c.generation), $0) } })
        ]
        for (index, family) in families.enumerated() {
            series.append(
                .init(
                    name: family, color: colors[index % colors.count],
                    points: best.compactMap { c, m in m.perFamilyPerplexity?[family].map { (Double(c.generation), $0) }
                    }
                ))
        }
        var plot = SVGPlot(
            title: "Best candidate of each generation: answer perplexity on the search problems", xLabel: "generation",
            yLabel: "answer perplexity", series: series)
        plot.integerX = true
        var html = "<h2>Pause</h2><p>" + plot.render() + "</p>"
        if let overall = best.min(by: { $0.0.fitness! < $1.0.fitness! }), let perplexity = overall.1.perplexity {
            html += String(
                format: "<p>Best: answer perplexity %.4f with %d pauses (generation %d, candidate %d).</p>",
                perplexity, overall.1.pauses ?? 0, overall.0.generation, overall.0.index)
        }
        if !evaluation.isEmpty {
            html += "<h2>Held-out evaluation</h2>" + table(evaluation)
        }
        return html
    }

    /// The held-out rows as an HTML table, every string from the file escaped.
    static func table(_ rows: [PauseEvaluation.Row]) -> String {
        guard let first = rows.first else { return "" }
        var out = "<table border='1' cellspacing='0'><tr><th>family</th><th>M</th><th>problems</th>"
        out += first.conditions.map { "<th>\(SVGPlot.escape($0.filler))</th>" }.joined()
        out += first.change == nil ? "</tr>" : "<th>best baseline</th><th>evolved vs best [95 % CI]</th></tr>"
        for row in rows {
            out += "<tr><td>\(SVGPlot.escape(row.family))</td><td>\(row.pauses)</td><td>\(row.problems)</td>"
            out += row.conditions.map {
                String(
                    format: "<td align='right'>%.3f [%.3f, %.3f] · %.0f %%</td>", $0.perplexity, $0.low, $0.high,
                    100 * $0.exact)
            }.joined()
            if let change = row.change, let low = row.changeLow, let high = row.changeHigh {
                out += "<td>\(SVGPlot.escape(row.bestBaseline ?? ""))</td>"
                out += String(
                    format: "<td align='right'>%+.1f %% [%+.1f, %+.1f]</td>", 100 * change, 100 * low, 100 * high)
            }
            out += "</tr>"
        }
        return out + "</table>"
    }
}
