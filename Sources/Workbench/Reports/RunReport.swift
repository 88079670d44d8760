import Foundation
import GGUF
import Logging
import RoPEScaling
import RunStore
import Transformer

/// A self-contained HTML page for one run: fitness per generation with its spread, the best parameters, step size
/// and time per generation, all as inline SVG (no scripts, no network).
public enum RunReport {
    /// `evaluation`: cells of `ctxevo longrope evaluate --json` to show as tables (LongRoPE runs);
    /// `memoryEvaluation`: cells of `ctxevo namm evaluate --json`, shown as the table and the plot (NAMM runs).
    public static func html(
        run id: Int64, in store: RunStore, evaluation: [LongRoPEEvaluation.Cell] = [],
        memoryEvaluation: [MemoryEvaluation.Cell] = [], logger: Logger = Logger(label: "ctxevo")
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
        var sigma = SVGPlot(
            title: "Step size", xLabel: "generation", yLabel: "sigma",
            series: [
                .init(name: "sigma", color: "#9467bd", points: generations.map { (Double($0.index), $0.stepSize) })
            ])
        sigma.logY = generations.allSatisfy { $0.stepSize > 0 }
        let time = SVGPlot(
            title: "Time per generation", xLabel: "generation", yLabel: "seconds",
            series: [
                .init(name: "seconds", color: "#8c564b", points: generations.map { (Double($0.index), $0.seconds) })
            ])
        let bestX = strategy?.best?.x ?? []
        let parameters = SVGPlot(
            title: "Best parameters", xLabel: "parameter index", yLabel: "value",
            series: [
                .init(
                    name: "best", color: "#ff7f0e", points: bestX.enumerated().map { (Double($0.offset), $0.element) })
            ])

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
        page += try longRoPESection(run: id, in: store, evaluation: evaluation, logger: logger)
        page += try memorySection(run: id, in: store, evaluation: memoryEvaluation)
        page +=
            "<h2>Events</h2><pre>"
            + SVGPlot.escape(events.map { "[\($0.level)] \($0.message)" }.joined(separator: "\n")) + "</pre>"
        page += "<h2>Configuration</h2><pre>" + SVGPlot.escape(record.configuration) + "</pre></body></html>\n"
        return page
    }
}

extension RunReport {
    /// LongRoPE runs: lambda per rotary pair of the best table against PI, NTK and YaRN at the target, and the
    /// held-out evaluation tables when given.
    static func longRoPESection(
        run id: Int64, in store: RunStore, evaluation: [LongRoPEEvaluation.Cell], logger: Logger
    ) throws -> String {
        let experiment = try ExperimentRunner.experiment(run: id, in: store)
        guard experiment.objective == .longRoPE, let settings = experiment.longRoPE else { return "" }
        var html = "<h2>LongRoPE factors</h2>"
        let configuration: LlamaConfiguration
        do {
            configuration = try LlamaConfiguration(
                file: try GGUFFile(path: try SearchSetup.modelPath(settings, logger: logger)))
        } catch {
            return html + "<p>(the model of this run is not available here: \(SVGPlot.escape("\(error)")))</p>"
        }
        guard let found = try? LongRoPERun(run: id, in: store, configuration: configuration) else {
            return html + "<p>(no finished generation yet)</p>"
        }
        let c = configuration
        var series: [SVGPlot.Series] = []
        let colors = ["PI": "#1f77b4", "NTK": "#2ca02c", "YaRN": "#9467bd"]
        for method in [BaselineMethod.linear, .ntk, .yarn] {
            let table = try method.method(length: settings.targetLength, trainedContext: c.trainedContext)
                .table(rotaryDimensions: c.rotaryDimensions, base: c.ropeBase, trainedContext: c.trainedContext)
            series.append(
                .init(
                    name: method.displayName, color: colors[method.displayName]!,
                    points: table.lambda.enumerated().map { (Double($0.offset), $0.element) }))
        }
        series.append(
            .init(
                name: "found (run \(id))", color: "#d62728",
                points: found.table.lambda.enumerated().map { (Double($0.offset), $0.element) }))
        let plot = SVGPlot(
            title: "Rescale factor lambda per rotary pair at \(settings.targetLength) tokens", xLabel: "rotary pair",
            yLabel: "lambda", series: series)
        html += "<p>" + plot.render() + "</p>"
        html += String(
            format:
                "<p>best search perplexity %.4f (generation %d, candidate %d; the optimiser's fitness adds the repair penalty); n-hat %d; mscale %.4f; space %@</p>",
            found.bestFitness, found.bestGeneration, found.bestIndex, found.table.nHat, found.table.mscale,
            settings.space.rawValue)
        if !evaluation.isEmpty {
            html += "<h2>Held-out evaluation</h2>" + LongRoPEEvaluation.html(evaluation)
        }
        return html
    }
}
