import Foundation
import GGUF
import Numerics

/// A loaded model: configuration, shared immutable weights and tokenizer. Sessions (`LlamaSession`) hold the
/// per-sequence state, so any number of them can run side by side over one copy of the weights.
public final class LlamaModel: Sendable {
    public let path: String
    public let configuration: LlamaConfiguration
    public let weights: LlamaWeights
    public let tokenizer: Tokenizer

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

    /// -log p(target_i | hidden_i) for each row of `hidden` (rows, modelWidth).
    public func negativeLogLikelihoods(
        hidden: UnsafePointer<Float>, rows: Int, targets: UnsafePointer<Int32>, numerics: EngineNumerics = .llamacpp
    ) -> [Double] {
        targetScores(hidden: hidden, rows: rows, targets: targets, numerics: numerics).map(\.negativeLogLikelihood)
    }

    /// How the model scores each target: its negative log-likelihood, and whether it is the greedy (top-1) choice.
    /// The output projection runs in blocks of rows, each followed by a log-sum-exp over the vocabulary, so the
    /// full logit matrix never exists.
    public func targetScores(
        hidden: UnsafePointer<Float>, rows: Int, targets: UnsafePointer<Int32>, numerics: EngineNumerics = .llamacpp
    ) -> [TargetScore] {
        let width = configuration.modelWidth
        let vocabulary = configuration.vocabularySize
        let block = 64
        let scratch = (0..<Parallel.workerCount).map { _ in FloatBuffer(count: block * vocabulary, zeroed: false) }
        let inputs = (0..<Parallel.workerCount).map { _ in FloatBuffer(count: block * width, zeroed: false) }
        let sumErrors = (0..<Parallel.workerCount).map { _ in FloatBuffer(count: block * width / 32 + 1) }
        let rounding = numerics == .float32 ? ActivationRounding.none : weights.output.inputRounding
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
                BLAS.gemmTransposedB(
                    m: m, n: vocabulary, k: width, a: input, lda: width,
                    b: weights.output.pointer, ldb: width, c: logits, ldc: vocabulary)
                if rounding == .q8Block32WithSum, let minimums = weights.output.blockMinimums {
                    BLAS.gemmTransposedB(
                        m: m, n: vocabulary, k: width / 32, a: errors, lda: width / 32,
                        b: minimums.pointer, ldb: width / 32, beta: 1, c: logits, ldc: vocabulary)
                }
                for i in 0..<m {
                    let row = logits + i * vocabulary
                    let target = Int(targets[r0 + i])
                    let logSum = VectorMath.logSumExp(row, count: vocabulary)
                    let chosen = row[target]
                    var beaten = false
                    for j in 0..<vocabulary where row[j] > chosen {
                        beaten = true
                        break
                    }
                    out[r0 + i] = TargetScore(negativeLogLikelihood: logSum - Double(chosen), isTopChoice: !beaten)
                }
            }
        }
        return result
    }
}

/// The model's verdict on one target token.
public struct TargetScore: Sendable, Equatable {
    public let negativeLogLikelihood: Double
    /// The target has the highest logit (greedy decoding would produce it).
    public let isTopChoice: Bool
}
