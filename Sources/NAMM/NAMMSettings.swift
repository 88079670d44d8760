import Arithmetic
import Assets
import Evolution
import Foundation
import Logging
import MemoryPolicy
import Objectives
import Reporting
import RunLoop
import RunStore
import Transformer

/// The `namm:` section of an experiment file.
///
/// ```yaml
/// namm:
///   model: default            # or a GGUF path
///   search: network           # network (the scorer's parameters) | allocation (per-layer budget shares, EvolKV)
///   scorer: bam               # network search: bam (4,172 parameters) | linear (26)
///   prior: h2o                # network search, optional: the network corrects H2O (keeps its newest half of the
///                             # budget, ranks the rest by log accumulated attention + score; zero network = H2O)
///   start: results/namm/linear/network.json   # network search: the mean starts at this network (default: zero)
///                             # and its frozen normalisation is kept; BAM can start from a linear network
///   rule: h2o                 # allocation search: a baseline rule, or a NAMM network file
///   budget: 0.25              # a fraction of the tokens seen, or "threshold" (spec §4, with penalty_weight)
///   allocation: uniform       # uniform | pyramid | an evolved allocation file (`runs export RUN --format allocation`)
///   penalty_weight: 1         # threshold budget: fitness = perplexity × (1 + weight × cache kept)
///   fitness: perplexity       # perplexity | passkey
///   documents: 4              # plays of the search set, one document of `length` tokens each
///   length: 4096
///   update_interval: 512      # n_up
///   ema_decay: 0.99           # network search: the spectrogram moving average's decay per query (the spec's 0.99;
///                             # closer to 1 remembers older attention), stored with the network
///   passkey_depths: [0.1, 0.5, 0.9]   # the passkey probe, in every candidate's metrics ([] for none)
///   numerics: float32         # float32 | bf16 (see docs/numerics.md)
/// ```
public struct NAMMSettings: Codable, Sendable, Equatable {
    public enum Search: String, Codable, Sendable, CaseIterable {
        case network, allocation
    }

    public var model: String?
    public var search: Search?
    public var scorer: String?
    public var prior: NAMMPrior?
    public var start: String?
    public var rule: String?
    public var budget: String
    public var allocation: String?
    public var penaltyWeight: Double?
    public var fitness: NAMMObjective.Fitness?
    public var documents: Int?
    public var length: Int?
    public var updateInterval: Int?
    public var passkeyDepths: [Double]?
    public var emaDecay: Double?
    /// The engine's arithmetic of every evaluation (default float32; recorded with the run).
    public var numerics: EngineNumerics?

    enum CodingKeys: String, CodingKey {
        case model, search, scorer, prior, start, rule, budget, allocation
        case penaltyWeight = "penalty_weight"
        case fitness, documents, length
        case updateInterval = "update_interval"
        case passkeyDepths = "passkey_depths"
        case emaDecay = "ema_decay"
        case numerics
    }

    public init(scorer: String, budget: String) {
        self.scorer = scorer
        self.budget = budget
    }

    var searchKind: Search { search ?? .network }
    var scorerName: String { scorer ?? "bam" }

    var documentCount: Int { documents ?? 4 }
    var documentLength: Int { length ?? 4096 }
    var interval: Int { updateInterval ?? 512 }
    var depths: [Double] { passkeyDepths ?? [0.1, 0.5, 0.9] }
    var gamma: Double { emaDecay ?? AttentionSpectrogram.gamma }

    /// The budget, parsed (validated by `validate`).
    var cacheBudget: CacheBudget {
        let size: CacheBudget.Size = budget == "threshold" ? .threshold : .fraction(Double(budget) ?? 1)
        return CacheBudget(
            size: size, allocation: AllocationChoice(allocation ?? "uniform") == .pyramid ? .pyramid : .uniform)
    }

    /// The evolved allocation file the budget is shared by, if `allocation` names one.
    var allocationFile: String? {
        allocation.flatMap { AllocationChoice($0).path }
    }

    func validate(path: String) throws {
        func fail(_ field: String, _ problem: String) -> ExperimentError {
            ExperimentError(path: path, field: "namm.\(field)", problem: problem)
        }
        switch searchKind {
        case .network:
            if TokenScorers.parameterCount(scorerName) == nil {
                throw fail("scorer", "'\(scorerName)' is not one of \(TokenScorers.names.joined(separator: ", "))")
            }
            if let g = emaDecay, !(g > 0 && g < 1) { throw fail("ema_decay", "must lie in (0, 1), not \(g)") }
            if emaDecay != nil && start != nil {
                throw fail("ema_decay", "comes with the start network, whose normalisation is kept: give one of them")
            }
            if prior != nil && start != nil {
                throw fail("prior", "comes with the start network, which has its own: give one of them")
            }
            if prior != nil && budget == "threshold" {
                throw fail("prior", "needs a fraction budget (the corrected score has no threshold meaning)")
            }
        case .allocation:
            if start != nil { throw fail("start", "is for a network search") }
            if prior != nil { throw fail("prior", "is for a network search (the rule's network has its own)") }
            if emaDecay != nil { throw fail("ema_decay", "is for a network search (the rule's network has its own)") }
            guard let rule else { throw fail("rule", "is missing (the rule whose per-layer budget is searched)") }
            if EvictionRules.named(rule) == nil && !rule.hasSuffix(".json") {
                throw fail(
                    "rule",
                    "'\(rule)' is neither a rule (\(EvictionRules.names.joined(separator: ", "))) nor a network file")
            }
            if budget == "threshold" {
                throw fail("budget", "an allocation search needs a fraction, not the threshold")
            }
        }
        if budget != "threshold" {
            guard let f = Double(budget), f > 0, f <= 1 else {
                throw fail("budget", "must be a fraction in (0, 1] or \"threshold\", not '\(budget)'")
            }
        }
        if let file = allocationFile {
            guard file.hasSuffix(".json") else {
                throw fail("allocation", "must be uniform, pyramid or an allocation file (.json), not '\(file)'")
            }
            if searchKind == .allocation { throw fail("allocation", "is what an allocation search searches") }
        }
        if let w = penaltyWeight, !(w >= 0 && w.isFinite) { throw fail("penalty_weight", "must not be negative") }
        if documentCount < 1 || documentCount > 37 { throw fail("documents", "must be between 1 and 37") }
        if interval < 16 || interval % 16 != 0 { throw fail("update_interval", "must be a multiple of 16") }
        if documentLength < 2 * interval { throw fail("length", "must be at least twice update_interval") }
        if depths.contains(where: { !($0 >= 0 && $0 <= 1) }) { throw fail("passkey_depths", "lie in [0, 1]") }
        if fitness == .passkey && depths.isEmpty { throw fail("passkey_depths", "are needed by the passkey fitness") }
    }
}
