import Transformer

/// The share of a scoring pass's arithmetic done after its first tokens, for the time left of progress bars.
/// Attention makes a window's later tokens dearer: at 65,536 tokens the first tenth of the tokens is under 3 % of
/// the work, so a bar that counts tokens promises the end several times too early.
public struct PassWork: Sendable {
    /// Each sequence's token count and forward-pass FLOPs, in the order they are run.
    let lengths: [Int]
    let flops: [Double]
    let total: Double
    let configuration: LlamaConfiguration

    public init(configuration: LlamaConfiguration, lengths: [Int]) {
        self.configuration = configuration
        self.lengths = lengths
        flops = lengths.map { configuration.forwardFLOPs(tokens: $0) }
        total = flops.reduce(0, +)
    }

    /// The fraction done after `tokens` tokens of the pass (sequences in order, each from its first token).
    public func fraction(tokens: Int) -> Double {
        guard total > 0 else { return 1 }
        var left = tokens
        var work = 0.0
        for (length, cost) in zip(lengths, flops) {
            if left >= length {
                work += cost
                left -= length
            } else {
                work += configuration.forwardFLOPs(tokens: max(0, left))
                break
            }
        }
        return min(1, work / total)
    }
}
