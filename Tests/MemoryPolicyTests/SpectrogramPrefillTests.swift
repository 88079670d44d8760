import Foundation
import MemoryPolicy
import Testing
import Transformer

/// NAMM's spectrogram as a prefill produces it (rows recorded by the attention workers, averaged over the query
/// heads of each KV head, transposed and transformed on all cores at the end of each layer) against the spec's
/// definition applied to the same probabilities, kept whole by a second recorder.
@Suite struct SpectrogramPrefillTests {
    /// Keeps every probability row of every (layer, query head, query), and passes every call on.
    final class Tee: AttentionRecorder, @unchecked Sendable {
        let next: AttentionRecorder
        let lock = NSLock()
        /// [layer][head][query of the chunk] = the row over the keys it saw.
        var rows: [[[Int: [Float]]]]

        init(next: AttentionRecorder, layers: Int, heads: Int) {
            self.next = next
            rows = Array(repeating: Array(repeating: [:], count: heads), count: layers)
        }

        func beginLayer(_ layer: Int, rows count: Int, cachedBefore: Int) {
            rows[layer] = rows[layer].map { _ in [:] }
            next.beginLayer(layer, rows: count, cachedBefore: cachedBefore)
        }

        func record(_ block: AttentionBlock) {
            lock.lock()
            for (i, q) in block.queries.enumerated() {
                rows[block.layer][block.head][q] = Array(
                    UnsafeBufferPointer(start: block.probabilities + i * block.stride, count: block.keyCount))
            }
            lock.unlock()
            next.record(block)
        }

        func finishLayer(_ layer: Int, rows count: Int, cachedBefore: Int) {
            next.finishLayer(layer, rows: count, cachedBefore: cachedBefore)
        }
    }

    @Test func thePrefillsSpectrogramIsTheDefinitionOnItsOwnRows() throws {
        let model = try #require(Tiny.model)
        let c = model.configuration
        let chunk = 48
        let chunks = 3
        let capacity = chunk * chunks
        let summary = AttentionSummary(
            configuration: c, capacity: capacity, chunkSize: chunk, statistics: false, spectrogram: true)
        let tee = Tee(next: summary, layers: c.layers, heads: c.attentionHeads)
        let session = try LlamaSession(model: model, capacity: capacity, chunkSize: chunk, numerics: .float32)
        session.attentionRecorder = tee
        let tokens = model.tokenizer.encode(
            String(repeating: "Of Man's first disobedience, and the fruit of that forbidden tree. ", count: 20),
            addSpecial: false)
        // The reference state of every (layer, KV head, token): its EMA and its last 16 signal values.
        var reference = [[Double]](repeating: [Double](repeating: 0, count: 17), count: c.layers * c.kvHeads * capacity)
        var tails = [[Double]](repeating: [Double](repeating: 0, count: 16), count: c.layers * c.kvHeads * capacity)
        var seen = 0
        try session.prefill(tokens[0..<capacity]) { range, _ in
            let before = seen
            seen += range.count
            for layer in 0..<c.layers {
                for kvHead in 0..<c.kvHeads {
                    let heads = (kvHead * c.queryHeadsPerKVHead)..<((kvHead + 1) * c.queryHeadsPerKVHead)
                    for token in 0..<seen {
                        let signal = (0..<range.count).map { q -> Double in
                            heads.map { h -> Double in
                                let row = tee.rows[layer][h][q]!
                                return token < row.count ? Double(row[token]) : 0
                            }.reduce(0, +) / Double(heads.count)
                        }
                        let key = (layer * c.kvHeads + kvHead) * capacity + token
                        let old = token < before
                        reference[key] = AttentionSpectrogram.reference(
                            signal: signal, previous: tails[key], old: old ? reference[key] : nil,
                            firstRow: old ? 0 : token - before)
                        tails[key] = Array(signal.suffix(16))
                        let got = try #require(summary.spectrogram(layer: layer, kvHead: kvHead, count: seen))
                        let mine = got[(got.startIndex + token * 17)..<(got.startIndex + (token + 1) * 17)]
                        let worst = zip(mine, reference[key]).map { abs(Double($0) - $1) / max(1e-3, abs($1)) }.max()!
                        #expect(worst < 1e-3, "chunk ending \(seen), layer \(layer), KV head \(kvHead), token \(token)")
                    }
                }
            }
        }
        #expect(seen == capacity)
    }
}
