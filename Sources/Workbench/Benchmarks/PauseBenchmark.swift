import Arithmetic
import Foundation
import Objectives
import Pause
import Transformer

/// What one pause candidate costs beside a plain evaluation of the same problems: the candidate is a random
/// subspace genome at M pauses, through the objective's own path (genome to embedding, M fillers in every
/// sequence); the plain evaluation scores the same answers with no pause, every prompt computed in full (a fresh
/// evaluator). The objective computes each prompt's cache with its first candidate and restores it for every
/// later one: the first candidate and a later one are timed apart (later ones `repeats` times, the median kept).
/// Each is converted to GFLOP/s with the work it does, against the cores' peak measured in the same run.
public struct PauseBenchmark: Sendable {
    public let problems: Int
    public let pauses: Int
    public let numerics: EngineNumerics
    public let plainSeconds: Double
    public let firstCandidateSeconds: Double
    public let candidateSeconds: Double
    public let plainTokens: Int
    /// Tokens a later candidate runs (past the reused prompts), and all of a candidate's.
    public let candidateTokens: Int
    public let fullCandidateTokens: Int
    public let plainFLOPs: Double
    public let candidateFLOPs: Double
    public let fullCandidateFLOPs: Double

    public var ratio: Double { candidateSeconds / plainSeconds }

    /// The work of scoring sequences: every token after the first `skipping(sequence)` through the blocks, their
    /// causal attention, the output layer on the answer rows only.
    static func flops(
        _ sequences: [ScoredSequence], configuration c: LlamaConfiguration,
        skipping: (ScoredSequence) -> Int = { _ in 0 }
    ) -> Double {
        sequences.reduce(0.0) { total, s in
            let (n, k) = (s.tokens.count, skipping(s))
            var one = c.forwardFLOPs(tokens: n) - c.forwardFLOPs(tokens: k)
            one -= Double(c.vocabularySize * c.modelWidth * 2 * (n - k - s.scoredRows.count))
            return total + one
        }
    }

    public static func measure(
        model: LlamaModel, problemsPerFamily: Int, pauses: Int, numerics: EngineNumerics, repeats: Int = 3
    ) throws -> PauseBenchmark {
        let problems = try PauseTasks.problems(
            families: PauseTasks.families, count: problemsPerFamily, seed: 1, split: .search)
        let tokenized = problems.map { TokenizedProblem($0, tokenizer: model.tokenizer) }
        var settings = PauseSettings()
        settings.pauses = .fixed(pauses)
        let genome = try PauseSetup.genome(settings, model: model, seed: 1, path: "bench")
        let objective = try PauseObjective(
            model: model, problems: tokenized, genome: genome, fingerprints: .none, numerics: numerics)
        var random = RandomGenerator(seed: 3)
        let x = (0..<genome.dimension).map { _ in 0.5 * random.normal() }
        func median(_ body: () throws -> Void) rethrows -> Double {
            var times: [Double] = []
            for _ in 0..<repeats {
                let start = Date()
                try body()
                times.append(Date().timeIntervalSince(start))
            }
            return times.sorted()[times.count / 2]
        }
        let plain = try median {
            let fresh = try PauseScorer(model: model, problems: tokenized, mostPauses: pauses, numerics: numerics)
            _ = try fresh.score(tokenized, filler: .none, pauses: 0)
        }
        let first = Date()
        _ = try objective.evaluate(x) { _ in }
        let firstCandidate = Date().timeIntervalSince(first)
        let candidate = try median { _ = try objective.evaluate(x) { _ in } }
        let c = model.configuration
        let plainSequences = tokenized.map { $0.sequence(filler: .none, count: 0) }
        let candidateSequences = tokenized.map { $0.sequence(filler: .vector(genome.origin), count: pauses) }
        return PauseBenchmark(
            problems: problems.count, pauses: pauses, numerics: numerics, plainSeconds: plain,
            firstCandidateSeconds: firstCandidate, candidateSeconds: candidate,
            plainTokens: plainSequences.reduce(0) { $0 + $1.tokens.count },
            candidateTokens: candidateSequences.reduce(0) { $0 + $1.tokens.count - $1.reusablePrefix },
            fullCandidateTokens: candidateSequences.reduce(0) { $0 + $1.tokens.count },
            plainFLOPs: flops(plainSequences, configuration: c),
            candidateFLOPs: flops(candidateSequences, configuration: c, skipping: \.reusablePrefix),
            fullCandidateFLOPs: flops(candidateSequences, configuration: c))
    }

    public func summary(_ yardsticks: Yardsticks) -> String {
        let peak = yardsticks.peak(for: numerics)
        func line(_ name: String, _ seconds: Double, _ tokens: Int, _ work: Double) -> String {
            String(
                format: "%@: %.3f s, %d tokens, %.0f tokens/s, %.1f GFLOP/s = %.1f %% of the %@ peak (%.0f)",
                name, seconds, tokens, Double(tokens) / seconds, work / seconds / 1e9,
                100 * work / seconds / 1e9 / peak.rate, peak.arithmetic.name, peak.rate)
        }
        return [
            "\(problems) problems (\(PauseTasks.families.joined(separator: ", "))), numerics \(numerics.rawValue)",
            line("plain evaluation (no pause, every prompt)", plainSeconds, plainTokens, plainFLOPs),
            line(
                "first candidate (M = \(pauses), computes the prompts' caches)", firstCandidateSeconds,
                fullCandidateTokens, fullCandidateFLOPs),
            line(
                "later candidate (M = \(pauses), prompts restored)", candidateSeconds, candidateTokens, candidateFLOPs),
            String(format: "a later candidate costs %.3f× the plain evaluation", ratio),
        ].joined(separator: "\n")
    }

    public func dictionary(_ yardsticks: Yardsticks) -> [String: Any] {
        let peak = yardsticks.peak(for: numerics)
        return [
            "problems": problems, "pauses": pauses, "numerics": numerics.rawValue, "plain_seconds": plainSeconds,
            "first_candidate_seconds": firstCandidateSeconds, "candidate_seconds": candidateSeconds,
            "plain_tokens": plainTokens, "candidate_tokens": candidateTokens,
            "plain_gflops": plainFLOPs / plainSeconds / 1e9,
            "candidate_gflops": candidateFLOPs / candidateSeconds / 1e9,
            "ratio": ratio, "peak": peak.rate, "peak_arithmetic": peak.arithmetic.key,
        ]
    }
}
