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

/// `ctxevo namm evaluate`: memory policies × cache budgets on held-out text, each cell the perplexity of the
/// document protocol (documents of `length` tokens, the policy firing every `updateInterval` tokens) with the cache
/// kept, and a passkey probe under the same policy and budget.
public enum MemoryEvaluation {
    public struct Cell: Codable, Sendable, Equatable {
        public var policy: String
        /// The budget asked for (a fraction of the tokens seen).
        public var budget: Double
        public var allocation: String
        public var perplexity: Double
        /// Mean over firings and layers of cache length / tokens seen; per layer below.
        public var kept: Double
        public var keptPerLayer: [Double]
        public var passkeyPerplexity: Double?
        public var passkeyRetrieved: Int?
        public var passkeySamples: Int?
        public var seconds: Double

        public init(
            policy: String, budget: Double, allocation: String, perplexity: Double, kept: Double,
            keptPerLayer: [Double],
            passkeyPerplexity: Double? = nil, passkeyRetrieved: Int? = nil, passkeySamples: Int? = nil, seconds: Double
        ) {
            self.policy = policy
            self.budget = budget
            self.allocation = allocation
            self.perplexity = perplexity
            self.kept = kept
            self.keptPerLayer = keptPerLayer
            self.passkeyPerplexity = passkeyPerplexity
            self.passkeyRetrieved = passkeyRetrieved
            self.passkeySamples = passkeySamples
            self.seconds = seconds
        }

        enum CodingKeys: String, CodingKey {
            case policy, budget, allocation, perplexity, kept, keptPerLayer = "kept_per_layer"
            case passkeyPerplexity = "passkey_perplexity", passkeyRetrieved = "passkey_retrieved"
            case passkeySamples = "passkey_samples", seconds
        }
    }

    public struct Plan: Sendable {
        public var rules: [String]
        public var budgets: [Double]
        public var allocation: CacheBudget.Allocation
        public var length: Int
        public var updateInterval: Int
        public var documents: Int
        public var passkeyDepths: [Double]
        public var seed: UInt64
        /// Trained networks, by the name the table shows, evaluated at each budget below 100 % like the rules.
        public var networks: [(name: String, rule: NAMMRule)] = []

        public init(
            rules: [String], budgets: [Double], allocation: CacheBudget.Allocation = .uniform, length: Int = 4096,
            updateInterval: Int = 512, documents: Int = 4, passkeyDepths: [Double] = [0.1, 0.5, 0.9], seed: UInt64 = 1
        ) {
            self.rules = rules
            self.budgets = budgets
            self.allocation = allocation
            self.length = length
            self.updateInterval = updateInterval
            self.documents = documents
            self.passkeyDepths = passkeyDepths
            self.seed = seed
        }

        /// (rule, budget) pairs: the full cache once at 100 %, every other rule at each budget below 100 %.
        public var cells: [(rule: String, budget: Double)] {
            (rules + networks.map(\.name)).flatMap { rule in
                rule == FullCache().name ? [(rule, 1.0)] : budgets.filter { $0 < 1 }.map { (rule, $0) }
            }
        }

        func rule(named name: String) throws -> any EvictionRule {
            if let network = networks.first(where: { $0.name == name }) { return network.rule }
            guard let rule = EvictionRules.named(name) else { throw MemoryPolicyError.unknownRule(name) }
            return rule
        }

        public var tokens: Int { cells.count * length * (documents + passkeyDepths.count) }
    }

    public static func run(
        _ plan: Plan, model: LlamaModel, text: String, progress: @escaping (Int, Int) -> Void = { _, _ in },
        cellDone: (Cell) -> Void = { _ in }
    ) throws -> [Cell] {
        let vocabulary = model.tokenizer.vocabulary
        let plain = model.tokenizer.encode(text, addSpecial: false)
        let documents = Documents.windows(of: plain, context: plan.length, bos: vocabulary.bos, limit: plan.documents)
        guard documents.count == plan.documents else {
            throw PerplexityError.textTooShort(
                tokens: plain.count,
                needed: plan.documents * Documents.tokensNeeded(context: plan.length, bos: vocabulary.bos),
                context: plan.length, what: "the evaluation text (\(plan.documents) documents)")
        }
        let passkeys =
            plan.passkeyDepths.isEmpty
            ? []
            : try NeedleSamples.make(
                tokenizer: model.tokenizer, filler: plain, context: plan.length, depths: plan.passkeyDepths,
                digits: 5, seed: 5, name: "passkey")
        let evaluator = try PerplexityEvaluator(
            model: model, context: plan.length, chunkSize: plan.updateInterval, numerics: .float32)
        let total = plan.tokens
        var done = 0
        var cells: [Cell] = []
        for (name, fraction) in plan.cells {
            let rule = try plan.rule(named: name)
            let budget = CacheBudget(size: .fraction(fraction), allocation: plan.allocation)
            let manager = MemoryManager(
                rule: rule, budget: budget, configuration: model.configuration, capacity: plan.length,
                chunkSize: plan.updateInterval, seed: plan.seed)
            evaluator.memory = manager
            let base = done
            let result = try evaluator.document(documents: documents, rotary: nil) { d, _ in
                progress(base + d, total)
            }
            done += documents.count * plan.length
            let kept = manager.keptPerLayer
            var cell = Cell(
                policy: name, budget: fraction, allocation: plan.allocation.name, perplexity: result.perplexity,
                kept: manager.kept, keptPerLayer: kept, seconds: result.seconds)
            if !passkeys.isEmpty {
                let passBase = done
                let probe = try evaluator.score(passkeys, rotary: nil) { d, _ in progress(passBase + d, total) }
                done += passkeys.count * plan.length
                cell.passkeyPerplexity = probe.perplexity
                cell.passkeyRetrieved = probe.perSequenceTopChoiceAccuracy.filter { $0 == 1 }.count
                cell.passkeySamples = passkeys.count
                cell.seconds += probe.seconds
            }
            cells.append(cell)
            cellDone(cell)
        }
        evaluator.memory = nil
        return cells
    }

    /// One entry of the table: the perplexity, what follows it (cache kept, passkeys), and whether it is the lowest
    /// perplexity of its column.
    struct Entry {
        let perplexity: String
        let detail: String
        let best: Bool
    }

    /// The table's layout: rows are policies (in the order measured), columns budgets (largest first).
    static func table(_ cells: [Cell]) -> (budgets: [Double], rows: [(policy: String, entries: [Entry?])]) {
        let budgets = Array(Set(cells.map(\.budget))).sorted(by: >)
        let policies = cells.map(\.policy).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let rows = policies.map { policy in
            (
                policy,
                budgets.map { budget -> Entry? in
                    guard let cell = cells.first(where: { $0.policy == policy && $0.budget == budget }) else {
                        return nil
                    }
                    var detail = String(format: " (kept %.1f %%)", cell.kept * 100)
                    if let retrieved = cell.passkeyRetrieved, let samples = cell.passkeySamples {
                        detail += ", passkey \(retrieved)/\(samples)"
                    }
                    return Entry(
                        perplexity: String(format: "%.4f", cell.perplexity), detail: detail,
                        best: cells.filter { $0.budget == budget }.map(\.perplexity).min() == cell.perplexity)
                }
            )
        }
        return (budgets, rows)
    }

    static func percent(_ x: Double) -> String { String(format: "%g %%", x * 100) }

    /// Rows: policies; columns: budgets; perplexity with the cache kept, and the passkey answers retrieved; the
    /// lowest perplexity of each column in bold.
    public static func markdown(_ cells: [Cell]) -> String {
        let (budgets, rows) = table(cells)
        var lines = [
            "| policy | " + budgets.map(percent).joined(separator: " | ") + " |",
            "|---|" + budgets.map { _ in "---:|" }.joined(),
        ]
        for row in rows {
            let entries = row.entries.map { entry -> String in
                guard let entry else { return "" }
                return (entry.best ? "**\(entry.perplexity)**" : entry.perplexity) + entry.detail
            }
            lines.append("| \(row.policy) | " + entries.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The same table in HTML (for `ctxevo report`).
    public static func html(_ cells: [Cell]) -> String {
        let (budgets, rows) = table(cells)
        var out = "<table border='1' cellspacing='0'><tr><th>policy</th>"
        out += budgets.map { "<th>\(percent($0))</th>" }.joined() + "</tr>"
        for row in rows {
            out += "<tr><td>\(SVGPlot.escape(row.policy))</td>"
            out +=
                row.entries.map { entry in
                    guard let entry else { return "<td></td>" }
                    let text = entry.perplexity + entry.detail
                    return entry.best ? "<td align='right'><b>\(text)</b></td>" : "<td align='right'>\(text)</td>"
                }.joined() + "</tr>"
        }
        return out + "</table>"
    }

    /// Perplexity against the cache kept, one line per policy (SVG).
    public static func plot(_ cells: [Cell]) -> String {
        // Twelve colours: the eight baselines and up to four networks each get their own.
        let colors = [
            "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
            "#17becf", "#393b79", "#e7298a",
        ]
        let full = cells.first { $0.policy == FullCache().name }
        let policies = cells.map(\.policy).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let series = policies.enumerated().map { index, policy -> SVGPlot.Series in
            var points = cells.filter { $0.policy == policy }.map { (x: $0.kept * 100, y: $0.perplexity) }
            if let full, policy != full.policy { points.append((x: full.kept * 100, y: full.perplexity)) }
            return SVGPlot.Series(
                name: policy, color: colors[index % colors.count], points: points.sorted { $0.x < $1.x })
        }
        var plot = SVGPlot(
            title: "Held-out perplexity against the KV cache kept", xLabel: "cache kept (% of tokens seen)",
            yLabel: "perplexity", series: series)
        plot.logY = true
        return plot.render()
    }
}

public enum MemoryPolicyError: Error, CustomStringConvertible, Equatable {
    case unknownRule(String)

    public var description: String {
        switch self {
        case .unknownRule(let name):
            "'\(name)' is not a memory policy (known: \(EvictionRules.names.joined(separator: ", ")))"
        }
    }
}

extension CacheBudget.Allocation {
    public var name: String {
        switch self {
        case .uniform: "uniform"
        case .pyramid: "pyramid"
        case .perLayer: "per-layer"
        }
    }
}
