import Arithmetic
import Transformer

/// LongRoPE2's needle-driven samples (arXiv 2502.20082 §3.2), also the passkey
/// probe: filler text of the target length with a needle sentence at a chosen depth ("One of the special magic
/// numbers for <key> is: <number>.") and, at the end, the question ("What is the special magic number for <key>?
/// The special magic number for <key> is:") followed by the answer, whose tokens alone are scored.
public enum NeedleSamples {
    static let keys = [
        "grey-heron", "copper-lantern", "silent-orchard", "amber-falcon", "winter-harbour", "crimson-meadow",
        "hollow-reed", "iron-compass", "velvet-thistle", "northern-quay",
    ]

    /// One sample per depth (0 = just after BOS, 1 = just before the question), each `context` tokens long, its
    /// filler cut from `filler` (a different stretch for each sample when the filler is long enough). Keys and
    /// numbers (`digits` long) come from `seed`.
    public static func make(
        tokenizer: Tokenizer, filler: [Int32], context: Int, depths: [Double], digits: Int, seed: UInt64,
        name: String
    ) throws -> [ScoredSequence] {
        var random = RandomGenerator(seed: seed)
        let bos = tokenizer.vocabulary.bos
        var samples: [ScoredSequence] = []
        var fillerStart = 0
        for (index, depth) in depths.enumerated() {
            let key = keys[random.integer(below: keys.count)]
            var number = String(1 + random.integer(below: 9))
            for _ in 1..<max(1, digits) { number += String(random.integer(below: 10)) }
            let needle = tokenizer.encode(
                " One of the special magic numbers for \(key) is: \(number). ", addSpecial: false)
            let question = tokenizer.encode(
                " What is the special magic number for \(key)? The special magic number for \(key) is:",
                addSpecial: false)
            let answer = tokenizer.encode(" \(number)", addSpecial: false)
            let fillerLength = context - (bos == nil ? 0 : 1) - needle.count - question.count - answer.count
            guard fillerLength > 0 else {
                throw PerplexityError.textTooShort(
                    tokens: context, needed: context - fillerLength + 1, context: context, what: "a needle sample")
            }
            if fillerStart + fillerLength > filler.count { fillerStart = 0 }
            guard fillerLength <= filler.count else {
                throw PerplexityError.textTooShort(
                    tokens: filler.count, needed: fillerLength, context: context,
                    what: "the needle filler text '\(name)'")
            }
            let text = filler[fillerStart..<(fillerStart + fillerLength)]
            fillerStart += fillerLength
            let cut = text.startIndex + Int((min(max(depth, 0), 1) * Double(fillerLength)).rounded())
            var tokens: [Int32] = bos.map { [$0] } ?? []
            tokens += text[..<cut]
            tokens += needle
            tokens += text[cut...]
            tokens += question
            let answerStart = tokens.count
            tokens += answer
            // Row i scores token i + 1: the answer's tokens are scored by the rows just before each of them.
            samples.append(
                ScoredSequence(
                    name: "\(name) needle \(index + 1) at depth \(depth)", tokens: tokens,
                    scoredRows: (answerStart - 1)..<(tokens.count - 1)))
        }
        return samples
    }
}
