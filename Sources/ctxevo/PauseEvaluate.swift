import ArgumentParser
import Assets
import Foundation
import Pause
import Transformer

struct PauseEvaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract:
            "Held-out answer perplexity after M pauses: no pause, filler tokens, a random vector, the evolved pause.",
        discussion: """
            The held-out problems are generated from --seed in the held-out split, which no search ever reads (a \
            problem's split is a hash of its text). Each cell is the answer perplexity (exp of the mean over problems \
            of their answers' mean NLL) with its bootstrap 95 % interval over problems, and the fraction of answers \
            greedy decoding gives whole. With --embedding, the last columns give the evolved pause's change against \
            the best baseline at the same M, with the paired bootstrap interval: "yes" when it excludes no gain.
            """)

    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "An evolved pause (`runs export RUN --format pause`); without it, only the baselines.")
    var embedding: String?
    @Option(parsing: .upToNextOption, help: "Numbers of pauses M (default: the pause file's, else 4).")
    var pauses: [Int] = []
    @Option(
        parsing: .upToNextOption,
        help: "Task families (default: the pause file's, else \(PauseTasks.families.joined(separator: ", "))).")
    var families: [String] = []
    @Option(help: "Held-out problems per family.") var problems = 100
    @Option(help: "Seed of the held-out problems, the random baseline and the bootstrap.") var seed: UInt64 = 1
    @Option(help: "Problems from a file instead (JSON lines: family, prompt, answer), all of them held out.")
    var problemFile: String?
    @Option(help: "Engine numerics: float32 or bf16.") var numerics: EngineNumerics = .float32
    @Option(help: "Bootstrap resamples.") var resamples = 2000
    @Option(name: .shortAndLong, help: "Also write the table (Markdown) to this file.") var output: String?
    @Flag(help: "Print a JSON array of rows instead of the table.") var json = false

    func validate() throws {
        if pauses.contains(where: { $0 < 1 || $0 > 256 }) { throw ValidationError("--pauses lie in [1, 256]") }
        if problems < 2 { throw ValidationError("--problems must be at least 2 (an interval needs two)") }
        if resamples < 100 { throw ValidationError("--resamples must be at least 100") }
        if let unknown = families.first(where: { !PauseTasks.families.contains($0) }) {
            throw ValidationError(PauseError.unknownFamily(unknown).description)
        }
    }

    func run() throws {
        let logger = makeLogger()
        let modelPath = try modelOptions.resolve(logger: logger)
        logger.info("loading \(modelPath)")
        let model = try LlamaModel(path: modelPath)
        let file = try embedding.map {
            try PauseFile.read(
                path: $0, width: model.configuration.modelWidth, modelSHA256: try Digest.sha256(file: modelPath))
        }
        let set: [PauseProblem]
        if let problemFile {
            set = try PauseTasks.read(path: problemFile)
        } else {
            let names = families.isEmpty ? (file?.training.families ?? []) : families
            set = try PauseTasks.problems(
                families: names.isEmpty ? PauseTasks.families : names, count: problems, seed: seed, split: .heldOut)
        }
        let counts = pauses.isEmpty ? [file?.pauses ?? 4] : pauses
        let plan = PauseEvaluation.Plan(problems: set, pauses: counts, seed: seed, resamples: resamples)
        // Progress in conditions (filler × M) scored.
        let bar = ProgressBar(label: "pause evaluate", unit: "cond")
        let rows = try PauseEvaluation.run(plan, model: model, evolved: file?.embedding, numerics: numerics) {
            bar.update($0, of: $1)
        }
        let source = problemFile.map { "problems of \($0)" } ?? "held-out problems (seed \(seed))"
        let evolved =
            file.map { "; evolved pause \(embedding!) (run \($0.training.run ?? 0), M \($0.pauses))" } ?? ""
        let table =
            "\(set.count) \(source); numerics \(numerics.rawValue)\(evolved). Cells: answer perplexity "
            + "[bootstrap 95 % interval] · answers right whole (greedy).\n\n" + PauseEvaluation.markdown(rows)
        if let output { try table.write(toFile: output, atomically: true, encoding: .utf8) }
        if json { try printJSON(encoding: rows) } else { print(table) }
    }
}
