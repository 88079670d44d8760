import Arithmetic
import Foundation
import Transformer

/// The fillers an evolved pause is compared with at equal M (issue: pause tokens): no pause, an ordinary token
/// ("." or a newline) repeated, and a random vector of the embeddings' typical norm.
public enum PauseBaselines {
    /// The one token a text is for this model's tokenizer (a filler or a start), or an error.
    public static func token(_ text: String, tokenizer: Tokenizer) throws -> Int32 {
        let ids = tokenizer.encode(text, addSpecial: false)
        guard ids.count == 1 else { throw PauseError.notOneToken(text, count: ids.count) }
        return ids[0]
    }

    /// The root mean square of the embedding table's entries.
    public static func embeddingScale(_ model: LlamaModel) -> Float {
        let table = model.weights.tokenEmbedding
        let count = model.configuration.vocabularySize * model.configuration.modelWidth
        var sum = 0.0
        for i in 0..<count { sum += Double(table.pointer[i]) * Double(table.pointer[i]) }
        return Float((sum / Double(count)).squareRoot())
    }

    /// The mean norm of the embedding rows.
    public static func meanEmbeddingNorm(_ model: LlamaModel) -> Float {
        let c = model.configuration
        let table = model.weights.tokenEmbedding
        var total = 0.0
        for row in 0..<c.vocabularySize {
            var sum = 0.0
            for i in 0..<c.modelWidth {
                let v = Double(table.pointer[row * c.modelWidth + i])
                sum += v * v
            }
            total += sum.squareRoot()
        }
        return Float(total / Double(c.vocabularySize))
    }

    /// A random direction (seeded) scaled to the embeddings' mean norm.
    public static func randomVector(_ model: LlamaModel, seed: UInt64) -> [Float] {
        var random = RandomGenerator(seed: seed)
        let v = (0..<model.configuration.modelWidth).map { _ in random.normal() }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let target = Double(meanEmbeddingNorm(model))
        return v.map { Float($0 / norm * target) }
    }

    /// The named baselines, in the order the table shows them.
    public static func fillers(model: LlamaModel, seed: UInt64) throws -> [(name: String, filler: PauseFiller)] {
        [
            ("none", .none),
            ("\".\"", .token(try token(".", tokenizer: model.tokenizer))),
            ("newline", .token(try token("\n", tokenizer: model.tokenizer))),
            ("random", .vector(randomVector(model, seed: seed))),
        ]
    }
}
