import Arithmetic
import Assets
import Evolution
import Foundation
import GGUF
import Logging
import Objectives
import Reporting
import RoPEScaling
import RunLoop
import RunStore
import Transformer

/// A rotary rescaling to compare: a classic method (at the scale each length calls for) or fixed factors (a
/// factors file, or the best of a LongRoPE run).
public enum RotaryCandidate: Sendable, Equatable {
    case baseline(BaselineMethod)
    case factors(name: String, FactorsFile.Contents)

    public var name: String {
        switch self {
        case .baseline(let method): method.displayName
        case .factors(let name, _): name
        }
    }

    /// The table at evaluation length `length` (nil: the model's own rotation). Factors keep their n-hat and
    /// temperature; without a stored temperature they take LongRoPE's su value for the length.
    public func table(length: Int, configuration c: LlamaConfiguration) throws -> RotaryTable? {
        let s = BaselineMethod.defaultScale(length: length, trainedContext: c.trainedContext)
        let method: RescalingMethod
        switch self {
        case .baseline(.none): return nil
        case .baseline(let baseline): method = baseline.method(length: length, trainedContext: c.trainedContext)
        case .factors(_, let contents):
            method = .longRoPE(factors: contents.factors, nHat: contents.nHat ?? 0, factor: s, mscale: contents.mscale)
        }
        return try method.table(
            rotaryDimensions: c.rotaryDimensions, base: c.ropeBase, trainedContext: c.trainedContext)
    }
}

/// `ctxevo longrope evaluate`: held-out perplexity of several rescalings at several lengths, by llama.cpp's
/// protocol and by LongRoPE's document protocol, and a passkey probe (a number planted at several depths of the
/// held-out text: the log-likelihood of its digits and whether greedy decoding reproduces all of them).
public enum LongRoPEEvaluation {
    public struct Cell: Codable, Sendable, Equatable {
        public var candidate: String
        public var length: Int
        /// "llamacpp", "document" or "passkey".
        public var measure: String
        /// Perplexity (passkey: of the answer digits).
        public var perplexity: Double
        public var scoredTokens: Int
        public var seconds: Double
        /// Passkey: samples whose every digit is the greedy choice, of `samples`.
        public var retrieved: Int?
        public var samples: Int?

        enum CodingKeys: String, CodingKey {
            case candidate, length, measure, perplexity, scoredTokens = "scored_tokens", seconds, retrieved, samples
        }
    }

    public struct Plan: Sendable {
        public var candidates: [RotaryCandidate]
        public var lengths: [Int]
        public var protocols: [PerplexityProtocol]
        /// Documents (document protocol) or windows (llama.cpp protocol) per length.
        public var documents: Int
        /// Needle depths of the passkey probe (empty: no probe).
        public var passkeyDepths: [Double]
        public var numerics: EngineNumerics

        public init(
            candidates: [RotaryCandidate], lengths: [Int], protocols: [PerplexityProtocol], documents: Int,
            passkeyDepths: [Double], numerics: EngineNumerics
        ) {
            self.candidates = candidates
            self.lengths = lengths
            self.protocols = protocols
            self.documents = documents
            self.passkeyDepths = passkeyDepths
            self.numerics = numerics
        }

        /// With one window and both protocols, one pass may give both (`PerplexityEvaluator.bothProtocols`, when
        /// the two read the same tokens).
        var maySharePass: Bool { documents == 1 && Set(protocols) == [.llamacpp, .document] }

        /// Tokens the plan runs through the model at one length, for progress bars.
        func tokens(length: Int, sharesPass: Bool) -> Int {
            candidates.count * length * ((sharesPass ? 1 : protocols.count) * documents + passkeyDepths.count)
        }
    }

    /// What one length of a plan reads: its documents, and whether one pass gives both protocols.
    struct LengthInput {
        let length: Int
        let documents: [[Int32]]
        let sharesPass: Bool
    }

    /// Runs the plan on `text` (the held-out book); `progress(tokens done, tokens total)`, `cellDone` per result.
    /// `planned` receives, before the first pass, the work of the passes to come (a 64k pass costs 37 of an 8k
    /// one, so the time left is reckoned in work, not tokens).
    public static func run(
        _ plan: Plan, model: LlamaModel, text: String, planned: (PassWork) -> Void = { _ in },
        progress: @escaping (Int, Int) -> Void = { _, _ in }, cellDone: (Cell) -> Void = { _ in }
    ) throws -> [Cell] {
        let c = model.configuration
        let vocabulary = model.tokenizer.vocabulary
        let plain = model.tokenizer.encode(text, addSpecial: false)
        let special = model.tokenizer.encode(text, addSpecial: true)
        var cells: [Cell] = []
        // Every length's documents first: a text too short for one fails before any pass, and the progress
        // total counts the passes that will run.
        let inputs = try plan.lengths.map { length in
            let documents = Documents.windows(of: plain, context: length, bos: vocabulary.bos, limit: plan.documents)
            guard documents.count == plan.documents else {
                throw PerplexityError.textTooShort(
                    tokens: plain.count,
                    needed: plan.documents * Documents.tokensNeeded(context: length, bos: vocabulary.bos),
                    context: length, what: "the evaluation text (\(plan.documents) documents)")
            }
            let shares =
                try plan.maySharePass
                && PerplexityEvaluator.sharedPass(
                    stream: special, document: documents[0], context: length, vocabulary: vocabulary) != nil
            return LengthInput(length: length, documents: documents, sharesPass: shares)
        }
        var done = 0
        let total = inputs.reduce(0) { $0 + plan.tokens(length: $1.length, sharesPass: $1.sharesPass) }
        planned(
            PassWork(
                configuration: c,
                lengths: inputs.flatMap { input in
                    Array(
                        repeating: input.length,
                        count: plan.tokens(length: input.length, sharesPass: input.sharesPass) / input.length)
                }))
        for input in inputs {
            let length = input.length
            let documents = input.documents
            let evaluator = try PerplexityEvaluator(model: model, context: length, numerics: plan.numerics)
            let passkeys =
                plan.passkeyDepths.isEmpty
                ? []
                : try NeedleSamples.make(
                    tokenizer: model.tokenizer, filler: plain, context: length, depths: plan.passkeyDepths, digits: 5,
                    seed: 5, name: "passkey")
            for candidate in plan.candidates {
                let table = try candidate.table(length: length, configuration: c)
                var shared: [PerplexityProtocol: PerplexityResult] = [:]
                if input.sharesPass {
                    let base = done
                    if let both = try evaluator.bothProtocols(
                        stream: special, document: documents[0], rotary: table,
                        progress: { done, _ in progress(base + done, total) })
                    {
                        shared = [.llamacpp: both.llamacpp, .document: both.document]
                        done += length
                    }
                }
                for measure in plan.protocols {
                    let base = done
                    let result: PerplexityResult
                    if let known = shared[measure] {
                        result = known
                    } else {
                        switch measure {
                        case .llamacpp:
                            result = try evaluator.llamacpp(tokens: special, windows: plan.documents, rotary: table) {
                                done, _ in
                                progress(base + done, total)
                            }
                        case .document:
                            result = try evaluator.document(documents: documents, rotary: table) { done, _ in
                                progress(base + done, total)
                            }
                        }
                        done += plan.documents * length
                    }
                    let cell = Cell(
                        candidate: candidate.name, length: length, measure: measure.rawValue,
                        perplexity: result.perplexity, scoredTokens: result.scoredTokens, seconds: result.seconds)
                    cells.append(cell)
                    cellDone(cell)
                }
                if !passkeys.isEmpty {
                    let base = done
                    let result = try evaluator.score(passkeys, rotary: table) { done, _ in progress(base + done, total)
                    }
                    done += passkeys.count * length
                    let cell = Cell(
                        candidate: candidate.name, length: length, measure: "passkey", perplexity: result.perplexity,
                        scoredTokens: result.scoredTokens, seconds: result.seconds,
                        retrieved: result.perSequenceTopChoiceAccuracy.filter { $0 == 1 }.count, samples: passkeys.count
                    )
                    cells.append(cell)
                    cellDone(cell)
                }
            }
        }
        return cells
    }

    /// One table per measure: a title, the lengths, and per candidate its cells (text, whether best of its column).
    struct Table {
        let title: String
        let lengths: [Int]
        let rows: [(candidate: String, cells: [(text: String, best: Bool)?])]
    }

    static func tables(_ cells: [Cell]) -> [Table] {
        let lengths = Array(Set(cells.map(\.length))).sorted()
        var candidates: [String] = []
        for cell in cells where !candidates.contains(cell.candidate) { candidates.append(cell.candidate) }
        return ["llamacpp", "document", "passkey"].filter { m in cells.contains { $0.measure == m } }.map { measure in
            let title =
                switch measure {
                case "llamacpp": "Perplexity, llama.cpp protocol (second half of each window scored)"
                case "document": "Perplexity, document protocol (every token scored)"
                default: "Passkey (5 digits): perplexity of the digits, (retrieved / samples) by greedy decoding"
                }
            var best: [Int: Double] = [:]
            for cell in cells where cell.measure == measure {
                best[cell.length] = min(best[cell.length] ?? .infinity, cell.perplexity)
            }
            let rows = candidates.map { candidate in
                (
                    candidate,
                    lengths.map { length -> (String, Bool)? in
                        guard
                            let cell = cells.first(where: {
                                $0.candidate == candidate && $0.length == length && $0.measure == measure
                            })
                        else { return nil }
                        var text = String(format: "%.4f", cell.perplexity)
                        if let retrieved = cell.retrieved, let samples = cell.samples {
                            text += " (\(retrieved)/\(samples))"
                        }
                        return (text, cell.perplexity == best[length])
                    }
                )
            }
            return Table(title: title, lengths: lengths, rows: rows)
        }
    }

    /// Markdown tables: candidates down, lengths across; the best perplexity of each length in bold.
    public static func markdown(_ cells: [Cell]) -> String {
        tables(cells).map { table in
            var out =
                "\n\(table.title)\n\n| method | " + table.lengths.map { "\($0)" }.joined(separator: " | ") + " |\n"
            out += "|---|" + table.lengths.map { _ in "---:|" }.joined() + "\n"
            for row in table.rows {
                out +=
                    "| \(row.candidate) |"
                    + row.cells.map { c in c.map { $0.best ? " **\($0.text)** |" : " \($0.text) |" } ?? " - |" }
                    .joined() + "\n"
            }
            return out
        }.joined()
    }

    /// The same tables in HTML, the best of each column in bold.
    public static func html(_ cells: [Cell]) -> String {
        tables(cells).map { table in
            var out = "<h3>\(SVGPlot.escape(table.title))</h3><table border='1' cellspacing='0'><tr><th>method</th>"
            out += table.lengths.map { "<th>\($0)</th>" }.joined() + "</tr>"
            for row in table.rows {
                out += "<tr><td>\(SVGPlot.escape(row.candidate))</td>"
                out +=
                    row.cells.map { c in
                        guard let c else { return "<td>-</td>" }
                        return c.best ? "<td align='right'><b>\(c.text)</b></td>" : "<td align='right'>\(c.text)</td>"
                    }.joined() + "</tr>"
            }
            return out + "</table>"
        }.joined()
    }
}
