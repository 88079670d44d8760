import Arithmetic
import Foundation
import MemoryPolicy
import Testing

/// NAMM's features and network against their definitions.
@Suite struct NAMMScorerTests {
    /// The batched spectrogram (one sgemm over every frame of every token) against a direct DFT in double, for an
    /// old token (with a previous tail and state) and for tokens that arrived within the window; with the spec's decay
    /// and a longer memory.
    @Test(arguments: [AttentionSpectrogram.gamma, 0.9995]) func spectrogramMatchesADirectDFT(gamma: Double) {
        let queries = 64
        let count = 3
        let stride = queries + 16
        var random = RandomGenerator(seed: 0x5EED)
        let tails = (0..<count).map { i in
            i == 0
                ? (0..<16).map { _ in Double.random(in: 0..<0.2, using: &random) } : [Double](repeating: 0, count: 16)
        }
        let firstRows = [0, 5, 40]
        let signals = (0..<count).map { i in
            (0..<queries).map { q in q < firstRows[i] ? 0 : Double.random(in: 0..<0.3, using: &random) }
        }
        let old = (0..<17).map { Double($0) / 10 }
        var packed = [Float](repeating: 0, count: count * stride + 16)
        for i in 0..<count {
            for (n, v) in (tails[i] + signals[i]).enumerated() { packed[i * stride + n] = Float(v) }
        }
        var ema = [Float](repeating: 0, count: count * 17)
        for f in 0..<17 { ema[f] = Float(old[f]) }
        var tail = [Float](repeating: 0, count: count * 16)
        var scratch: [Float] = []
        packed.withUnsafeMutableBufferPointer { s in
            ema.withUnsafeMutableBufferPointer { e in
                tail.withUnsafeMutableBufferPointer { t in
                    AttentionSpectrogram.update(
                        signals: s.baseAddress!, count: count, queries: queries, firstRow: firstRows,
                        ema: e.baseAddress!, tail: t.baseAddress!, gamma: gamma, scratch: &scratch)
                }
            }
        }
        for i in 0..<count {
            let expected = AttentionSpectrogram.reference(
                signal: signals[i], previous: tails[i], old: i == 0 ? old : nil, firstRow: firstRows[i], gamma: gamma)
            let got = ema[(i * 17)..<((i + 1) * 17)].map(Double.init)
            let worst = zip(got, expected).map { abs($0 - $1) / max(1e-3, abs($1)) }.max()!
            #expect(worst < 1e-4, "token \(i): \(got) vs \(expected)")
            #expect(tail[(i * 16)..<((i + 1) * 16)].map(Double.init) == signals[i].suffix(16).map { Double(Float($0)) })
        }
    }

    @Test func theBAMNetworkHasThePublishedSizeAndAZeroNetworkScoresZero() throws {
        #expect(BAMNetwork.parameterCount == 4172)
        let zero = try BAMNetwork(parameters: [Double](repeating: 0, count: 4172))
        let x = (0..<(7 * 25)).map { Float($0 % 11) / 10 - 0.5 }
        #expect(zero.scores(x, count: 7) == [Float](repeating: 0, count: 7))
        #expect(throws: NAMMError.wrongParameterCount(26, expected: 4172, scorer: "BAM")) {
            try BAMNetwork(parameters: [Double](repeating: 0, count: 26))
        }
    }

    /// A linear scorer placed in BAM's last 26 parameters, the attention block at zero, scores every token as the
    /// linear scorer does (spec §3: X' = X (1 + 0) + 0); other pairings are refused by name.
    @Test func aLinearStartInsideBAMScoresLikeTheLinearScorer() throws {
        var generator = RandomGenerator(seed: 0x5EED)
        let linear = (0..<26).map { _ in Double.random(in: -0.5...0.5, using: &generator) }
        let genome = try TokenScorers.genome(of: "bam", from: "linear", parameters: linear)
        #expect(genome.count == 4172)
        let x = (0..<(9 * 25)).map { _ in Float.random(in: -2...2, using: &generator) }
        let expected = try LinearScorer(parameters: linear).scores(x, count: 9)
        let got = try BAMNetwork(parameters: genome).scores(x, count: 9)
        for (a, b) in zip(got, expected) { #expect(abs(a - b) <= 1e-5 * max(1, abs(b))) }
        #expect(try TokenScorers.genome(of: "linear", from: "linear", parameters: linear) == linear)
        #expect(throws: NAMMError.cannotStart(scorer: "linear", from: "bam")) {
            try TokenScorers.genome(of: "linear", from: "bam", parameters: genome)
        }
    }

    /// The backward mask: a token attends only to itself and newer tokens, so the newest token's score depends
    /// on its own features alone, and changing the oldest token changes only the oldest token's score.
    @Test func theMaskLooksOnlyAtNewerTokens() throws {
        var generator = RandomGenerator(seed: 0x5EED)
        let network = try BAMNetwork(
            parameters: (0..<4172).map { _ in Double.random(in: -0.3...0.3, using: &generator) })
        let x = (0..<(5 * 25)).map { _ in Float.random(in: -1...1, using: &generator) }
        var changed = x
        for k in 0..<25 { changed[k] += 0.5 }  // the oldest token
        let before = network.scores(x, count: 5)
        let after = network.scores(changed, count: 5)
        #expect(before[0] != after[0])
        #expect(Array(before[1...]) == Array(after[1...]))
        let alone = network.scores(Array(x[(4 * 25)...]), count: 1)
        #expect(abs(alone[0] - before[4]) < 1e-5)
    }

    /// The sgemm implementation against the spec's formulas written out in double.
    @Test func theBAMNetworkMatchesTheSpecFormulas() throws {
        var generator = RandomGenerator(seed: 0x5EED)
        let parameters = (0..<4172).map { _ in Double.random(in: -0.3...0.3, using: &generator) }
        let network = try BAMNetwork(parameters: parameters)
        let n = 9
        let x = (0..<(n * 25)).map { _ in Double.random(in: -1...1, using: &generator) }
        let got = network.scores(x.map(Float.init), count: n)
        let p = parameters
        func qkv(_ i: Int, _ j: Int) -> Double {
            p[2400 + j] + (0..<25).reduce(0) { $0 + x[i * 25 + $1] * p[$1 * 96 + j] }
        }
        for i in 0..<n {
            let logits = (i..<n).map { j in (0..<32).reduce(0) { $0 + qkv(i, $1) * qkv(j, 32 + $1) } / 32.0.squareRoot()
            }
            let top = logits.max()!
            let weights = logits.map { exp($0 - top) }
            let total = weights.reduce(0, +)
            let a = (0..<32).map { k in (i..<n).reduce(0.0) { $0 + weights[$1 - i] / total * qkv($1, 64 + k) } }
            var score = p[4171]
            for k in 0..<25 {
                let r = p[2496 + 1600 + k] + (0..<32).reduce(0) { $0 + a[$1] * p[2496 + $1 * 50 + k] }
                let m = p[2496 + 1600 + 25 + k] + (0..<32).reduce(0) { $0 + a[$1] * p[2496 + $1 * 50 + 25 + k] }
                score += (x[i * 25 + k] * (1 + m) + r) * p[2496 + 1650 + k]
            }
            #expect(abs(Double(got[i]) - score) < 1e-4 * max(1, abs(score)), "token \(i)")
        }
    }
}
