import ArgumentParser
import Assets
import BenchmarkFunctions
import Foundation
import Logging
import LongRoPE
import NAMM
import Objectives
import Reporting
import RunLoop
import RunStore
import Transformer
import Workbench

struct Perplexity: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Perplexity of a model on a text, by llama.cpp's protocol or LongRoPE's document protocol.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var textOptions: TextOptions
    @OptionGroup var ropeOptions: RopeOptions
    @Option(help: "Context length (tokens per window or document).") var ctx: Int
    @Option(
        name: [.customLong("windows"), .customLong("chunks")],
        help: "Evaluate at most this many windows or documents (default: all that fit; --chunks as llama.cpp calls it)."
    )
    var chunks: Int?
    @Option(help: "llamacpp or document.") var `protocol`: PerplexityProtocol = .llamacpp
    @Option(help: "Tokens per prefill chunk: a memory/speed trade-off (results change only at rounding-noise level).")
    var batch: Int = 2048
    @Option(
        help:
            "With --protocol document and no --text: 'search' evaluates the 37 plays of the search set (each cut to --ctx), 'held-out' the held-out book."
    )
    var set: TextSet = .heldOut
    @Option(
        help:
            "llamacpp (llama.cpp's CPU rounding, with its default flash attention), llamacpp-fa-off (its -fa off attention) or float32."
    ) var numerics: EngineNumerics = .llamacpp
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func validate() throws {
        if ctx < 4 { throw ValidationError("--ctx must be at least 4") }
        if let chunks, chunks < 1 { throw ValidationError("--chunks must be at least 1") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if set == .search && (`protocol` != .document || textOptions.text != nil) {
            throw ValidationError("--set search takes --protocol document and no --text")
        }
    }

    enum TextSet: String, ExpressibleByArgument {
        case search
        case heldOut = "held-out"
    }

    func run() throws {
        let logger = makeLogger()
        let model = try modelOptions.load(logger: logger)
        if set == .search {
            try runSearchSet(model: model, logger: logger)
            return
        }
        let text = try textOptions.resolve(logger: logger)
        let tokens = model.tokenizer.encode(text.contents, addSpecial: true)
        logger.info("\(text.name): \(tokens.count) tokens")
        let evaluator = try PerplexityEvaluator(model: model, context: ctx, chunkSize: batch, numerics: numerics)
        let rotary = try ropeOptions.table(for: model, context: ctx)
        let bar = ProgressBar(
            label: "perplexity",
            workFraction: PerplexityBenchmark.workFraction(configuration: model.configuration, context: ctx))
        let result: PerplexityResult
        switch `protocol` {
        case .llamacpp:
            result = try evaluator.llamacpp(tokens: tokens, windows: chunks, rotary: rotary, progress: bar.update)
        case .document:
            // One text: its consecutive windows of ctx tokens are the documents.
            var documents = Documents.windows(
                of: tokens, context: ctx, bos: model.tokenizer.vocabulary.bos, limit: chunks)
            if documents.isEmpty { documents = [tokens] }  // too short: the evaluator names the problem
            let names = documents.count == 1 ? [text.name] : documents.indices.map { "\(text.name) window \($0 + 1)" }
            result = try evaluator.document(documents: documents, names: names, rotary: rotary, progress: bar.update)
        }
        if json {
            try printJSON([
                "perplexity": result.perplexity, "scored_tokens": result.scoredTokens, "seconds": result.seconds,
            ])
        } else {
            let label = `protocol` == .llamacpp ? "running perplexity per window" : "perplexity per document"
            let values = `protocol` == .llamacpp ? result.runningPerplexity : result.perSequence
            print("\(label): " + values.map { String(format: "%.4f", $0) }.joined(separator: " "))
            print(
                String(
                    format: "perplexity %.4f over %d scored tokens (ctx %d, rope %@) in %.1f s, %.0f tokens/s",
                    result.perplexity, result.scoredTokens, ctx, ropeOptions.summary, result.seconds,
                    Double(result.processedTokens) / result.seconds))
        }
    }
}

extension Perplexity {
    /// LongRoPE's evaluation over the search set: each play one document, cut to the context length.
    func runSearchSet(model: LlamaModel, logger: Logger) throws {
        let corpus = try Corpus(root: try Assets().texts(logger: logger))
        // The same documents a search of N documents reads: the largest plays.
        let plays = try corpus.largestSearchDocuments(count: chunks ?? corpus.search.count)
        let documents = try corpus.tokens(of: plays, tokenizer: model.tokenizer)
        let evaluator = try PerplexityEvaluator(model: model, context: ctx, chunkSize: batch, numerics: numerics)
        let result = try evaluator.document(
            documents: documents, names: plays.map(\.name), rotary: try ropeOptions.table(for: model, context: ctx),
            progress: ProgressBar(
                label: "perplexity",
                workFraction: PerplexityBenchmark.workFraction(configuration: model.configuration, context: ctx)
            ).update)
        if json {
            try printJSON([
                "perplexity": result.perplexity, "scored_tokens": result.scoredTokens, "seconds": result.seconds,
            ])
        } else {
            for (play, value) in zip(plays, result.perSequence) {
                print(String(format: "%-32@ %.4f", play.name, value))
            }
            print(
                String(
                    format: "perplexity %.4f over %d plays, %d scored tokens (ctx %d, rope %@) in %.1f s",
                    result.perplexity, plays.count, result.scoredTokens, ctx, ropeOptions.summary, result.seconds))
        }
    }
}

extension PerplexityProtocol: ExpressibleByArgument {}
extension EngineNumerics: ExpressibleByArgument {}
