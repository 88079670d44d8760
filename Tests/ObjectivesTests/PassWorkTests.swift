import Objectives
import TestSupport
import Testing
import Transformer

/// The work fraction behind the time left of evaluation progress bars.
@Suite struct PassWorkTests {
    static let configuration: LlamaConfiguration? = TinyModel.path.flatMap { try? LlamaModel(path: $0).configuration }

    /// Token n of a causal pass attends n keys (itself and the n - 1 before it): the pass's FLOPs grow by the
    /// weights' per-token cost plus QK^T and PV over those n keys in every head of every layer.
    @Test func eachTokenCostsItsWeightsAndItsKeys() throws {
        let c = try #require(Self.configuration)
        let perToken = Double(c.blockMultiplyAddsPerToken + c.vocabularySize * c.modelWidth) * 2
        for n in [1, 2, 17, 4096] {
            let keys = Double(c.layers * c.attentionHeads * n * c.headWidth) * 2 * 2
            #expect(abs(c.forwardFLOPs(tokens: n) - c.forwardFLOPs(tokens: n - 1) - perToken - keys) < 1e-6 * perToken)
        }
        #expect(c.forwardFLOPs(tokens: 0) == 0)
    }

    @Test func fractionRunsFromNothingToAllThroughEachSequencesShare() throws {
        let c = try #require(Self.configuration)
        let lengths = [3000, 1000, 3000]
        let work = PassWork(configuration: c, lengths: lengths)
        #expect(work.fraction(tokens: 0) == 0)
        #expect(work.fraction(tokens: 7000) == 1)
        #expect(work.fraction(tokens: 9000) == 1)
        let costs = lengths.map { c.forwardFLOPs(tokens: $0) }
        let total = costs.reduce(0, +)
        #expect(abs(work.fraction(tokens: 3000) - costs[0] / total) < 1e-12)
        #expect(abs(work.fraction(tokens: 4000) - (costs[0] + costs[1]) / total) < 1e-12)
        var last = -1.0
        for t in stride(from: 0, through: 7000, by: 250) {
            let f = work.fraction(tokens: t)
            #expect(f > last)
            last = f
        }
    }

    /// Attention makes a long window's later tokens dearer: its first half is less than half its work, and the
    /// share grows with the window.
    @Test func laterTokensOfALongWindowCostMore() throws {
        let c = try #require(Self.configuration)
        let short = PassWork(configuration: c, lengths: [512]).fraction(tokens: 256)
        let long = PassWork(configuration: c, lengths: [65_536]).fraction(tokens: 32_768)
        #expect(short < 0.5)
        #expect(long < short)
        #expect(long > 0.25)
    }
}
