import Arithmetic
import Foundation
import GGUF
import Synchronization

/// A loaded model: configuration, shared immutable weights and tokenizer. Sessions (`LlamaSession`) hold the
/// per-sequence state, so any number of them can run side by side over one copy of the weights.
public final class LlamaModel: Sendable {
    public let path: String
    public let configuration: LlamaConfiguration
    public let weights: LlamaWeights
    public let tokenizer: Tokenizer
    private let integer = Mutex<IntegerWeights??>(nil)
    private let bfloat16 = Mutex<BFloat16Weights?>(nil)

    public init(path: String) throws {
        BLAS.configure()
        let file = try GGUFFile(path: path)
        self.path = path
        configuration = try LlamaConfiguration(file: file)
        tokenizer = try Tokenizer(file: file)
        guard tokenizer.vocabulary.count == configuration.vocabularySize else {
            throw ModelError.badConfiguration(
                "\(tokenizer.vocabulary.count) tokens in the vocabulary, \(configuration.vocabularySize) in the model")
        }
        weights = try LlamaWeights(file: file, configuration: configuration)
    }

    /// The Q4_1 projections packed for integer products (`llamacpp` numerics), packed from the file on first use;
    /// nil when the file can no longer be read (the float emulation of the same arithmetic is used instead).
    public var integerWeights: IntegerWeights? {
        integer.withLock { cached in
            if let cached { return cached }
            let packed = (try? GGUFFile(path: path)).map { IntegerWeights(file: $0, weights: weights) }
            cached = .some(packed)
            return packed
        }
    }

    /// Every projection and the output layer in bf16 (`bf16` numerics), packed on first use (about half the
    /// float weights' memory).
    public var bfloat16Weights: BFloat16Weights {
        bfloat16.withLock { cached in
            if let cached { return cached }
            let packed = BFloat16Weights(weights: weights)
            cached = packed
            return packed
        }
    }

    /// The per-pair frequency divisors the file itself carries for a context of `context` tokens, as llama.cpp
    /// picks them: `rope_freqs`, or LongRoPE's long factors beyond the original context and its short ones up to it.
    public func fileRopeFactors(context: Int) -> [Float]? {
        if let factors = weights.ropeFrequencyFactors { return factors }
        return context > configuration.fileOriginalContext
            ? weights.ropeFactorsLong ?? weights.ropeFactorsShort : weights.ropeFactorsShort ?? weights.ropeFactorsLong
    }

    /// The rotary table the file itself asks for: identity, or linear interpolation when the GGUF says so, with
    /// the file's attention factor.
    public var defaultRotaryTable: RotaryTable {
        var table = RotaryTable.identity(pairs: configuration.rotaryPairs)
        table.mscale = configuration.fileAttentionFactor ?? 1
        if configuration.fileRopeScaling == "linear", let factor = configuration.fileRopeFactor, factor > 0 {
            table.lambda = Array(repeating: factor, count: configuration.rotaryPairs)
        }
        return table
    }

    /// The input embedding of a token (its row of the embedding table, modelWidth numbers).
    public func embedding(of token: Int32) -> [Float] {
        let d = configuration.modelWidth
        precondition(token >= 0 && Int(token) < configuration.vocabularySize, "token \(token) outside the vocabulary")
        return Array(UnsafeBufferPointer(start: weights.tokenEmbedding.pointer + Int(token) * d, count: d))
    }

    /// -log p(target_i | hidden_i) for each row of `hidden` (rows, modelWidth).
    public func negativeLogLikelihoods(
        hidden: UnsafePointer<Float>, rows: Int, targets: UnsafePointer<Int32>, numerics: EngineNumerics = .llamacpp,
        clock: StageClock? = nil
    ) -> [Double] {
        targetScores(hidden: hidden, rows: rows, targets: targets, numerics: numerics, clock: clock)
            .map(\.negativeLogLikelihood)
    }

    /// How the model scores each target: its negative log-likelihood, and whether it is the greedy (top-1) choice.
    /// Rows go in blocks of 256 and the vocabulary in slices of `vocabularySlice` (`float32`, whose own kernel packs
    /// each slice of weights per block: blocks of up to 512 rows, slices of half as many entries): each slice of
    /// logits is one product small enough to stay in cache, folded at once into each row's running maximum and sum
    /// of exponentials (in double), so the logits are read once and the full logit matrix never exists. The target
    /// is the top choice when no logit exceeds it, i.e. when it equals the maximum. A `clock` gets the wall time
    /// split between the output layer and the log-sum-exp in proportion to the time the workers spent in each.
    public func targetScores(
        hidden: UnsafePointer<Float>, rows: Int, targets: UnsafePointer<Int32>, numerics: EngineNumerics = .llamacpp,
        clock: StageClock? = nil
    ) -> [TargetScore] {
        let timer = clock.map {
            ParallelStageTimer(clock: $0, workers: Parallel.workerCount, stages: [.outputLayer, .logSumExp])
        }
        defer { timer?.finish() }
        let width = configuration.modelWidth
        let vocabulary = configuration.vocabularySize
        // float32: the own kernels, as its projections (`Float32Products`); the llama.cpp emulations keep OpenBLAS.
        // The own kernel packs each slice of weights for its block of rows: up to twice the rows (half the packing)
        // while every worker still gets a block.
        let ownKernels = numerics == .float32
        let perWorker = (rows + Parallel.workerCount - 1) / Parallel.workerCount
        let block =
            ownKernels
            ? min(2 * TargetScoring.rowBlock, max(TargetScoring.rowBlock, perWorker)) : TargetScoring.rowBlock
        let slice = min(ownKernels ? TargetScoring.vocabularySlice / 2 : TargetScoring.vocabularySlice, vocabulary)
        let workers = Parallel.workerCount
        let scratch = (0..<workers).map { _ in FloatBuffer(count: block * slice, zeroed: false) }
        let inputs = (0..<workers).map { _ in FloatBuffer(count: block * width, zeroed: false) }
        let sumErrors = (0..<workers).map { _ in FloatBuffer(count: block * width / 32 + 1) }
        let rounding = numerics.emulatesLlamaCpp ? weights.output.inputRounding : ActivationRounding.none
        // bf16 numerics: the output layer in bf16 too, each worker rounding its block of rows once.
        let packedOutput = numerics == .bfloat16 ? bfloat16Weights.packed(weights.output) : nil
        let bfloat16Inputs = (0..<(packedOutput == nil ? 0 : workers)).map { _ in
            BFloat16Activations(capacity: block * (width + 1))
        }
        var result = [TargetScore](repeating: TargetScore(negativeLogLikelihood: 0, isTopChoice: false), count: rows)
        let blocks = (rows + block - 1) / block
        result.withUnsafeMutableBufferPointer { out in
            let out = out.baseAddress!
            Parallel.forEach(items: blocks) { worker, item in
                let r0 = item * block
                let m = min(block, rows - r0)
                let logits = scratch[worker].pointer
                var input = hidden + r0 * width
                let errors = sumErrors[worker].pointer
                if rounding != .none {
                    let copy = inputs[worker].pointer
                    copy.update(from: input, count: m * width)
                    for i in 0..<m {
                        ActivationRounding.apply(
                            rounding, to: copy + i * width, count: width, blockSumErrors: errors + i * (width / 32))
                    }
                    input = UnsafePointer(copy)
                }
                if packedOutput != nil {
                    timer.measure(.outputLayer, worker: worker) {
                        bfloat16Inputs[worker].convertOnThisThread(input, rows: m, width: width)
                    }
                }
                var running = [TargetScoring](repeating: TargetScoring(), count: m)
                for c0 in stride(from: 0, to: vocabulary, by: slice) {
                    let n = min(slice, vocabulary - c0)
                    timer.measure(.outputLayer, worker: worker) {
                        if let packedOutput {
                            // Slices are whole panels of 16 (1,024 a slice), so the panels of c0 ..< c0 + n.
                            packedOutput.multiply(
                                bfloat16Inputs[worker], tokens: m, panels: (c0 / 16)..<((c0 + n + 15) / 16),
                                into: logits, ldy: n)
                            return
                        }
                        if ownKernels {
                            Float32Products.linearOnThisThread(
                                input, rows: m, inFeatures: width, weight: weights.output.pointer + c0 * width,
                                outFeatures: n, into: logits, ldy: n)
                            return
                        }
                        BLAS.gemmTransposedB(
                            m: m, n: n, k: width, a: input, lda: width,
                            b: weights.output.pointer + c0 * width, ldb: width, c: logits, ldc: n)
                        if rounding == .q8Block32WithSum, let minimums = weights.output.blockMinimums {
                            BLAS.gemmTransposedB(
                                m: m, n: n, k: width / 32, a: errors, lda: width / 32,
                                b: minimums.pointer + c0 * (width / 32), ldb: width / 32, beta: 1, c: logits, ldc: n)
                        }
                    }
                    timer.measure(.logSumExp, worker: worker) {
                        for i in 0..<m {
                            running[i].add(logits + i * n, count: n, first: c0, target: Int(targets[r0 + i]))
                        }
                    }
                }
                for i in 0..<m { out[r0 + i] = running[i].score }
            }
        }
        return result
    }
}

/// One row's log-sum-exp over the vocabulary, folded slice by slice: the running maximum M and the sum of
/// e^(logit - M) in double, rescaled whenever M grows; and the target's logit when its slice passes.
struct TargetScoring {
    /// Rows per sgemm: enough that packing each weight slice costs little next to its products.
    static let rowBlock = 256
    /// Logits per slice: 256 rows x 1,024 x 4 bytes = 1 MiB, a core's L2.
    static let vocabularySlice = 1024

    var maximum = -Float.infinity
    var sum = 0.0
    var chosen = -Float.infinity

    mutating func add(_ logits: UnsafePointer<Float>, count: Int, first: Int, target: Int) {
        let top = max(maximum, VectorMath.maximum(logits, count: count))
        sum =
            sum * (maximum == -.infinity ? 0 : Foundation.exp(Double(maximum) - Double(top)))
            + VectorMath.sumOfExponentials(logits, count: count, shift: top)
        maximum = top
        if target >= first && target < first + count { chosen = logits[target - first] }
    }

    var score: TargetScore {
        TargetScore(
            negativeLogLikelihood: Double(maximum) + Foundation.log(sum) - Double(chosen),
            isTopChoice: chosen >= maximum)
    }
}

/// The model's verdict on one target token.
public struct TargetScore: Sendable, Equatable {
    public let negativeLogLikelihood: Double
    /// The target has the highest logit (greedy decoding would produce it).
    public let isTopChoice: Bool
}
