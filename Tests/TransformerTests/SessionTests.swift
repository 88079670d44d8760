import Foundation
import Synchronization
import Testing
import Transformer

/// The hooks the memory-policy search needs: attention probabilities during prefill, and per-head eviction that
/// keeps each key's original rotary position.
@Suite(.serialized) struct SessionTests {
    @Test func observerSeesEveryBlockAsProbabilityRows() throws {
        let model = try #require(RealModel.shared)
        let c = model.configuration
        let tokens = Array(model.tokenizer.encode(try RealModel.heldOutText(), addSpecial: false).prefix(130))
        let session = try LlamaSession(model: model, capacity: 256)
        let blocks = Atomic<Int>(0)
        let worstRowError = Mutex<Double>(0)
        session.attentionObserver = { block in
            blocks.wrappingAdd(1, ordering: .relaxed)
            var worst = 0.0
            for (i, query) in block.queries.enumerated() {
                let row = block.probabilities + i * block.stride
                var sum = 0.0
                for k in 0..<block.keys { sum += Double(row[k]) }
                worst = max(worst, abs(sum - 1))
                // Causality: nothing beyond the query's own position.
                for k in (query + 1)..<max(query + 1, block.keys) where row[k] != 0 { worst = 1 }
            }
            worstRowError.withLock { $0 = max($0, worst) }
        }
        try session.prefill(tokens[...]) { _, _ in }
        #expect(blocks.load(ordering: .relaxed) == c.layers * c.attentionHeads * 3)  // 130 rows = 3 blocks of 64
        #expect(worstRowError.withLock { $0 } < 1e-5)
    }

    @Test func evictionKeepsOriginalPositionsAndNewTokensContinueTheCount() throws {
        let model = try #require(RealModel.shared)
        let c = model.configuration
        let tokens = model.tokenizer.encode(try RealModel.heldOutText(), addSpecial: false)
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
        let model = try #require(RealModel.shared)
        #expect(throws: ModelError.self) { try LlamaSession(model: model, capacity: 1 << 40) }
    }
}
