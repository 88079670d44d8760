import Foundation
import Objectives
import Synchronization
import TestSupport
import Testing
import Transformer

/// The tiny random model (4 layers, 6 heads sharing 3 KV heads, byte-level vocabulary) and a text for it.
enum Tiny {
    static let model: LlamaModel? = TinyModel.path.flatMap { try? LlamaModel(path: $0) }
    static let text = String(
        repeating:
            "Of Man's first disobedience, and the fruit of that forbidden tree, whose mortal taste brought death. ",
        count: 20)
}

/// The hooks the memory-policy search needs: attention probabilities during prefill, and per-head eviction that
/// keeps each key's original rotary position; and the forward pass itself, on the tiny model.
@Suite(.serialized) struct SessionTests {
    /// Chunked prefill must not change the numbers: the same window in chunks of 37 and in one piece.
    @Test func chunkedPrefillEqualsOnePassOnTheTinyModel() throws {
        let model = try #require(Tiny.model)
        let tokens = Array(model.tokenizer.encode(Tiny.text, addSpecial: false).prefix(299))
        let whole = try PerplexityEvaluator(model: model, context: 300, chunkSize: 300, numerics: .float32)
            .document(documents: [tokens], rotary: nil)
        let pieces = try PerplexityEvaluator(model: model, context: 300, chunkSize: 37, numerics: .float32)
            .document(documents: [tokens], rotary: nil)
        #expect(abs(whole.perplexity / pieces.perplexity - 1) < 1e-5)
        #expect(whole.perplexity.isFinite && whole.perplexity > 1)
    }

    /// One pass gives both protocols of a one-window evaluation: the same perplexities as llama.cpp's protocol and
    /// the document protocol computed each on its own (up to the order of the output layer's sums).
    @Test func bothProtocolsFromOnePassEqualEachOnItsOwn() throws {
        let model = try #require(Tiny.model)
        let stream = model.tokenizer.encode(Tiny.text, addSpecial: true)
        let plain = model.tokenizer.encode(Tiny.text, addSpecial: false)
        let evaluator = try PerplexityEvaluator(model: model, context: 200, chunkSize: 64, numerics: .float32)
        let document = Documents.windows(of: plain, context: 200, bos: model.tokenizer.vocabulary.bos, limit: 1)[0]
        let both = try #require(try evaluator.bothProtocols(stream: stream, document: document, rotary: nil))
        let llamacpp = try evaluator.llamacpp(tokens: stream, windows: 1, rotary: nil)
        let alone = try evaluator.document(documents: [document], rotary: nil)
        #expect(abs(both.llamacpp.perplexity / llamacpp.perplexity - 1) < 1e-5)
        #expect(both.llamacpp.scoredTokens == llamacpp.scoredTokens)
        #expect(abs(both.document.perplexity / alone.perplexity - 1) < 1e-6)
        #expect(both.document.scoredTokens == alone.scoredTokens)
        // Another document than the stream's first window: not the same sequence, so no shared pass.
        #expect(try evaluator.bothProtocols(stream: stream, document: Array(plain[1...]), rotary: nil) == nil)
    }

    /// The fused attention kernel (no recorder) and the two-pass attention (which a recorder forces; its products
    /// the own kernels in float32, OpenBLAS's in float32-openblas) compute the same function: the final hidden states of a 299-token pass in chunks of 37 agree. In float32 to 1e-4; in
    /// bf16 the two-pass products read the bf16 cache widened while the fused ones also round Q and the
    /// probabilities to bf16, so there they agree as closely as bf16 and float32 themselves do.
    @Test func fusedAttentionEqualsTwoPassAttentionOnTheTinyModel() throws {
        let model = try #require(Tiny.model)
        let c = model.configuration
        let tokens = Array(model.tokenizer.encode(Tiny.text, addSpecial: false).prefix(299))
        func hidden(_ numerics: EngineNumerics, observed: Bool) throws -> [Float] {
            let session = try LlamaSession(model: model, capacity: 300, chunkSize: 37, numerics: numerics)
            if observed { session.attentionRecorder = BlockRecorder { _ in } }
            var all: [Float] = []
            try session.prefill(tokens[...]) { range, h in
                all += UnsafeBufferPointer(start: h, count: range.count * c.modelWidth)
            }
            return all
        }
        func difference(_ a: [Float], _ b: [Float]) -> Float {
            zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .infinity
        }
        let fused = try hidden(.float32, observed: false)
        #expect(fused.count == 299 * c.modelWidth)
        let worst = difference(fused, try hidden(.float32, observed: true))
        #expect(worst < 1e-4, "largest relative difference \(worst)")
        // The two-pass products through OpenBLAS (`float32-openblas`) and through the own kernels (`float32`).
        let worstOpenBLAS = difference(fused, try hidden(.float32OpenBLAS, observed: true))
        #expect(worstOpenBLAS < 1e-4, "largest relative difference with OpenBLAS \(worstOpenBLAS)")
        let bfloat16 = try hidden(.bfloat16, observed: false)
        let worstBFloat16 = difference(bfloat16, try hidden(.bfloat16, observed: true))
        let bfloat16AgainstFloat32 = difference(bfloat16, fused)
        #expect(
            worstBFloat16 < bfloat16AgainstFloat32,
            "bf16 fused against two-pass \(worstBFloat16), bf16 against float32 \(bfloat16AgainstFloat32)")
    }

    /// The eviction path: retaining every key changes nothing (bit for bit the plain pass); retaining a subset keeps
    /// exactly the named keys of each head, in order, with their rotary positions, and changes what later tokens
    /// see. In both cache formats.
    @Test(arguments: [EngineNumerics.float32, .bfloat16])
    func retainKeepsTheNamedKeysWithTheirPositions(_ numerics: EngineNumerics) throws {
        let model = try #require(Tiny.model)
        let c = model.configuration
        let tokens = Array(model.tokenizer.encode(Tiny.text, addSpecial: false).prefix(200))
        // Every head keeps the newest 10 and half of the older tokens, head h the half that starts at token h, so
        // heads differ while each layer stays rectangular.
        func subset(head: Int, of n: Int) -> [Int] {
            let older = (n - 10) / 2
            return Array(head..<(head + older)) + Array((n - 10)..<n)
        }
        func lastHidden(keep: ((Int, Int) -> [Int])?) throws -> [Float] {
            let session = try LlamaSession(model: model, capacity: 256, chunkSize: 50, numerics: numerics)
            #expect(session.cache.storage == (numerics == .bfloat16 ? .bfloat16 : .float32))
            var hidden: [Float] = []
            for start in stride(from: 0, to: 200, by: 50) {
                try session.prefill(tokens[start..<(start + 50)]) { range, h in
                    hidden = Array(UnsafeBufferPointer(start: h, count: range.count * c.modelWidth))
                }
                guard let keep, start < 150 else { continue }
                for layer in 0..<c.layers {
                    let n = session.cache.length[layer]
                    let indices = (0..<c.kvHeads).map { keep($0, n) }
                    let positionsBefore = (0..<c.kvHeads).map { Array(session.cache.positions(layer: layer, head: $0)) }
                    let normsBefore = (0..<c.kvHeads).map { session.cache.keyNorms(layer: layer, head: $0) }
                    try session.cache.retain(layer: layer, indicesPerHead: indices)
                    for head in 0..<c.kvHeads {
                        let kept = indices[head]
                        #expect(
                            Array(session.cache.positions(layer: layer, head: head))
                                == kept.map { positionsBefore[head][$0] })
                        #expect(session.cache.keyNorms(layer: layer, head: head) == kept.map { normsBefore[head][$0] })
                    }
                }
            }
            return hidden
        }
        let plain = try lastHidden(keep: nil)
        #expect(try lastHidden(keep: { _, n in Array(0..<n) }) == plain)
        let evicted = try lastHidden(keep: subset)
        #expect(evicted.count == plain.count && evicted != plain)
    }

    @Test func recorderSeesEveryBlockAsProbabilityRows() throws {
        let model = try #require(Tiny.model)
        let c = model.configuration
        let tokens = Array(model.tokenizer.encode(Tiny.text, addSpecial: false).prefix(130))
        let session = try LlamaSession(model: model, capacity: 256)
        let blocks = Atomic<Int>(0)
        let worstRowError = Mutex<Double>(0)
        session.attentionRecorder = BlockRecorder { block in
            blocks.wrappingAdd(1, ordering: .relaxed)
            var worst = 0.0
            for (i, query) in block.queries.enumerated() {
                let row = block.probabilities + i * block.stride
                var sum = 0.0
                for k in 0..<block.keyCount { sum += Double(row[k]) }
                worst = max(worst, abs(sum - 1))
                // Causality: nothing beyond the query's own position.
                for k in (query + 1)..<max(query + 1, block.keyCount) where row[k] != 0 { worst = 1 }
            }
            worstRowError.withLock { $0 = max($0, worst) }
        }
        try session.prefill(tokens[...]) { _, _ in }
        #expect(blocks.load(ordering: .relaxed) == c.layers * c.attentionHeads * 3)  // 130 rows = 3 blocks of 64
        #expect(worstRowError.withLock { $0 } < 1e-5)
    }

    @Test func evictionKeepsOriginalPositionsAndNewTokensContinueTheCount() throws {
        let model = try #require(Tiny.model)
        let c = model.configuration
        let tokens = model.tokenizer.encode(Tiny.text, addSpecial: false)
        let session = try LlamaSession(model: model, capacity: 128)
        try session.prefill(tokens[0..<100]) { _, _ in }
        // Keep the first token and the last 50 in every layer; head 1 keeps a different set.
        for layer in 0..<c.layers {
            var perHead = Array(repeating: [0] + Array(50..<100), count: c.kvHeads)
            perHead[1] = Array(0..<51)
            try session.cache.retain(layer: layer, indicesPerHead: perHead)
        }
        #expect(session.cache.length.allSatisfy { $0 == 51 })
        #expect(Array(session.cache.positions(layer: 3, head: 0)) == [0] + (50..<100).map(Int32.init))
        #expect(Array(session.cache.positions(layer: 3, head: 1)) == (0..<51).map(Int32.init))
        try session.prefill(tokens[100..<110]) { _, _ in }
        #expect(session.nextPosition == 110)
        #expect(Array(session.cache.positions(layer: 0, head: 2).suffix(10)) == (100..<110).map(Int32.init))
        #expect(throws: KVCache.CacheError.self) {
            try session.cache.retain(layer: 0, indicesPerHead: [[0, 1], [0], [0, 1]])
        }
    }

    @Test func aCacheLargerThanTheMachineIsRefused() throws {
        let model = try #require(Tiny.model)
        #expect(throws: ModelError.self) { try LlamaSession(model: model, capacity: 1 << 40) }
    }
}

/// A recorder that hands each block to a closure (called concurrently) and ignores the layer calls.
final class BlockRecorder: AttentionRecorder, @unchecked Sendable {
    let onBlock: @Sendable (AttentionBlock) -> Void
    init(_ onBlock: @escaping @Sendable (AttentionBlock) -> Void) { self.onBlock = onBlock }
    func beginLayer(_ layer: Int, rows: Int, cachedBefore: Int) {}
    func record(_ block: AttentionBlock) { onBlock(block) }
    func finishLayer(_ layer: Int, rows: Int, cachedBefore: Int) {}
}
