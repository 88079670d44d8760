import ArgumentParser
import Assets
import Foundation
import MemoryPolicy
import NAMM

struct NAMMEvaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Held-out perplexity and passkey retrieval of memory policies × cache budgets.",
        discussion: """
            Each document of --length tokens is prefilled in chunks of --update-interval tokens (NAMM's n_up); \
            after each chunk the policy evicts each layer's cache down to the budget (a fraction of the tokens \
            seen). The full cache is measured once, at 100 %.
            """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var textOptions: TextOptions
    @Option(parsing: .upToNextOption, help: "Policies: \(EvictionRules.names.joined(separator: ", ")).")
    var policies: [String] = EvictionRules.names
    @Option(parsing: .upToNextOption, help: "Cache budgets, fractions of the tokens seen.") var budgets: [Double] = [
        1, 0.5, 0.25, 0.125,
    ]
    @Option(
        help:
            "How the budget is shared among layers: uniform, pyramid, or an evolved allocation file (`runs export RUN --format allocation`)."
    )
    var allocation = "uniform"
    @Option(help: "Tokens per document.") var length = 4096
    @Option(help: "Tokens between two firings of the policy (n_up).") var updateInterval = 512
    @Option(help: "Held-out documents.") var documents = 4
    @Option(parsing: .upToNextOption, help: "Passkey needle depths (0 to 1).") var passkeyDepths: [Double] = [
        0.1, 0.5, 0.9,
    ]
    @Option(
        parsing: .upToNextOption,
        help: "Trained NAMM network files (`runs export RUN --format namm`); rows named namm-SCORER.")
    var network: [String] = []
    @Flag(help: "Skip the passkey probe.") var noPasskey = false
    @Option(name: .shortAndLong, help: "Also write the table (Markdown) to this file.") var output: String?
    @Option(help: "Also write the plot of perplexity against cache kept (SVG) to this file.") var plot: String?
    @Flag(help: "Print a JSON array of cells instead of the table.") var json = false

    func validate() throws {
        if let unknown = policies.first(where: { EvictionRules.named($0) == nil }) {
            throw ValidationError(MemoryPolicyError.unknownRule(unknown).description)
        }
        if budgets.isEmpty || budgets.contains(where: { !($0 > 0 && $0 <= 1) }) {
            throw ValidationError("--budgets are fractions in (0, 1]")
        }
        if let path = AllocationChoice(allocation).path, !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("--allocation is uniform, pyramid or an allocation file; '\(allocation)' is none")
        }
        if updateInterval < 16 || length < 2 * updateInterval {
            throw ValidationError("--update-interval must be at least 16 and at most half of --length")
        }
        if documents < 1 { throw ValidationError("--documents must be at least 1") }
        if passkeyDepths.contains(where: { !($0 >= 0 && $0 <= 1) }) {
            throw ValidationError("--passkey-depths lie in [0, 1]")
        }
    }

    func run() throws {
        let logger = makeLogger()
        let model = try modelOptions.load(logger: logger)
        let text = try textOptions.resolve(logger: logger)
        let choice = AllocationChoice(allocation)
        let modelSHA256 =
            network.isEmpty && choice.path == nil
            ? nil : try Digest.sha256(file: try modelOptions.resolve(logger: logger))
        let shares = try choice.allocation(modelSHA256: modelSHA256)
        let files = try network.map { try NAMMNetworkFile.read(path: $0, modelSHA256: modelSHA256) }
        // Rows are named by rule ("namm-bam", "namm-linear+h2o"); two networks of one rule also by their files.
        let rules = try files.map { try $0.rule() }
        let networks = zip(network, rules).map { path, rule in
            let shared = rules.filter { $0.name == rule.name }.count > 1
            return (name: shared ? "\(rule.name) (\(path))" : rule.name, rule: rule)
        }
        var plan = MemoryEvaluation.Plan(
            rules: policies, budgets: budgets, allocation: shares,
            length: length, updateInterval: updateInterval, documents: documents,
            passkeyDepths: noPasskey ? [] : passkeyDepths)
        plan.networks = networks
        let bar = ProgressBar(label: "namm evaluate", unit: "tok")
        let cells = try MemoryEvaluation.run(plan, model: model, text: text.contents, progress: bar.update) { cell in
            logger.info(
                "\(cell.policy) at \(cell.budget): \(String(format: "%.4f", cell.perplexity)), kept \(String(format: "%.3f", cell.kept))"
            )
        }
        let table =
            "Held-out text: \(text.name); \(documents) documents of \(length) tokens; n_up \(updateInterval); "
            + "\(choice); float32\n\n"
            + MemoryEvaluation.markdown(cells)
        if let output { try table.write(toFile: output, atomically: true, encoding: .utf8) }
        if let plot { try MemoryEvaluation.plot(cells).write(toFile: plot, atomically: true, encoding: .utf8) }
        if json {
            try printJSON(encoding: cells)
        } else {
            print(table)
        }
    }
}
