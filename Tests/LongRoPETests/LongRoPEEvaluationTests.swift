import Foundation
import LongRoPE
import Objectives
import RoPEScaling
import TestSupport
import Testing
import Transformer

/// The held-out evaluation (`ctxevo longrope evaluate`) on the tiny model (trained context 128).
@Suite(.serialized) struct LongRoPEEvaluationTests {
    static let text = String(
        repeating:
            "Of Man's first disobedience, and the fruit of that forbidden tree, whose mortal taste brought death. ",
        count: 40)

    /// Its progress counts the passes that run: whether one pass gives both protocols (one window, a tokenizer
    /// that starts texts with BOS) or each has its own (two windows, or a tokenizer without BOS, like SmolLM2's,
    /// whose llama.cpp window and first document differ), the count ends at its total and never passes it.
    @Test(arguments: [(1, true), (2, true), (1, false), (2, false)])
    func progressEndsAtItsTotal(documents: Int, addBOS: Bool) throws {
        var shape = TinyModel.Shape()
        shape.addBOS = addBOS
        let path = try TinyModel.write(shape: shape)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = try LlamaModel(path: path)
        let plan = LongRoPEEvaluation.Plan(
            candidates: [.baseline(.none), .baseline(.ntk)], lengths: [128, 256], protocols: [.llamacpp, .document],
            documents: documents, passkeyDepths: [], numerics: .float32)
        var calls: [(done: Int, total: Int)] = []
        var work: PassWork?
        let cells = try LongRoPEEvaluation.run(
            plan, model: model, text: Self.text, planned: { work = $0 }, progress: { calls.append(($0, $1)) })
        #expect(cells.count == 2 * 2 * 2)
        let total = try #require(calls.last?.total)
        #expect(calls.allSatisfy { $0.total == total && $0.done <= total })
        #expect(calls.last?.done == total)
        // The planned work is the passes that ran: it rises with every call and is whole at the total.
        let planned = try #require(work)
        let fractions = calls.map { planned.fraction(tokens: $0.done) }
        #expect(zip(fractions, fractions.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(fractions.last == 1)
        #expect(planned.fraction(tokens: total - 1) < 1)
        // At least every token of one pass per (candidate, length), at most one per protocol and window.
        let shared = documents == 1 && addBOS
        #expect(total == 2 * (shared ? 1 : 2 * documents) * (128 + 256))
    }
}
