import Arithmetic
import Transformer

/// NAMM's per-token memory of attention (Cetin et al. 2024, arXiv:2410.13166 §3; docs/namm.md): for every (layer, KV
/// head, cached token) the
/// moving average of its attention spectrogram (17 values) and the last 16 values of its attention signal, which
/// the next window's first frame needs. `AttentionSummary` feeds it: the blocks of a layer write their rows into
/// one buffer per query head (rows of different blocks never overlap, so the concurrent writes need no lock), and
/// at the end of the layer the rows of the query heads of each KV head are averaged, transposed into one signal per
/// token and turned into spectra by `AttentionSpectrogram`. The buffer of rows holds one layer: (heads, chunk,
/// capacity) floats, 75 MB for SmolLM2 at 4,096 tokens with n_up = 512; the state is 33 floats per (layer, KV head,
/// token), 48 MB.
final class SpectralState: @unchecked Sendable {
    let layers: Int
    let kvHeads: Int
    let headsPerKVHead: Int
    let capacity: Int
    let chunkSize: Int
    /// The moving average's decay per query.
    let gamma: Double
    /// (layers, kvHeads, capacity, 17) and (layers, kvHeads, capacity, 16).
    private(set) var ema: [Float]
    private var tail: [Float]
    /// Of the layer in progress: (heads, chunkSize, capacity), each row zero beyond the keys its query saw.
    private let rows: FloatBuffer
    /// Per KV head at the end of a layer: (capacity, padded window + 16) signals, and the sgemm's output.
    private var signals: [Float]
    /// One per core: the frames and spectra of its range of tokens.
    private let scratches = (0..<Parallel.workerCount).map { _ in Scratch() }
    private var layerTotal = 0

    init(configuration c: LlamaConfiguration, capacity: Int, chunkSize: Int, gamma: Double) {
        self.gamma = gamma
        layers = c.layers
        kvHeads = c.kvHeads
        headsPerKVHead = c.queryHeadsPerKVHead
        self.capacity = capacity
        self.chunkSize = min(chunkSize, capacity)
        ema = Array(repeating: 0, count: c.layers * c.kvHeads * capacity * AttentionSpectrogram.bins)
        tail = Array(repeating: 0, count: c.layers * c.kvHeads * capacity * AttentionSpectrogram.hop)
        rows = FloatBuffer(count: c.attentionHeads * self.chunkSize * capacity)
        signals = []
    }

    /// The window length the spectrogram sees for a chunk of `rows` queries: padded with silent queries to a
    /// multiple of 16 (n_up is one in every NAMM experiment; only a document's last chunk may be shorter).
    static func padded(_ rows: Int) -> Int { (rows + AttentionSpectrogram.hop - 1) / AttentionSpectrogram.hop * 16 }

    func reset() {
        for i in ema.indices { ema[i] = 0 }
        for i in tail.indices { tail[i] = 0 }
    }

    func ema(layer: Int, kvHead: Int, count: Int) -> ArraySlice<Float> {
        let start = (layer * kvHeads + kvHead) * capacity * AttentionSpectrogram.bins
        return ema[start..<(start + count * AttentionSpectrogram.bins)]
    }

    func beginLayer(_ layer: Int, rows count: Int, cachedBefore: Int) {
        layerTotal = cachedBefore + count
        // The chunk's own tokens start with no spectrum and a silent past.
        for kvHead in 0..<kvHeads {
            let base = layer * kvHeads + kvHead
            for i in cachedBefore..<layerTotal {
                let e = (base * capacity + i) * AttentionSpectrogram.bins
                let t = (base * capacity + i) * AttentionSpectrogram.hop
                for f in 0..<AttentionSpectrogram.bins { ema[e + f] = 0 }
                for f in 0..<AttentionSpectrogram.hop { tail[t + f] = 0 }
            }
        }
    }

    func record(_ block: AttentionBlock) {
        for (i, query) in block.queries.enumerated() {
            let target = rows.pointer + (block.head * chunkSize + query) * capacity
            target.update(from: block.probabilities + i * block.stride, count: block.keyCount)
            (target + block.keyCount).update(repeating: 0, count: layerTotal - block.keyCount)
        }
    }

    func finishLayer(_ layer: Int, rows count: Int, cachedBefore: Int) {
        let total = cachedBefore + count
        let window = SpectralState.padded(count)
        let stride = window + AttentionSpectrogram.hop
        let hop = AttentionSpectrogram.hop
        let bins = AttentionSpectrogram.bins
        if signals.count < total * stride + hop {
            signals = [Float](repeating: 0, count: capacity * (SpectralState.padded(chunkSize) + 16) + 16)
        }
        let share = 1 / Float(headsPerKVHead)
        let firstRow = (0..<total).map { $0 < cachedBefore ? 0 : $0 - cachedBefore }
        let rows = rows.pointer
        let (chunkSize, capacity, headsPerKVHead) = (self.chunkSize, self.capacity, self.headsPerKVHead)
        let gamma = self.gamma
        let scratches = self.scratches
        signals.withUnsafeMutableBufferPointer { s in
            ema.withUnsafeMutableBufferPointer { e in
                tail.withUnsafeMutableBufferPointer { t in
                    let (signal, emaBase, tailBase) = (s.baseAddress!, e.baseAddress!, t.baseAddress!)
                    for kvHead in 0..<kvHeads {
                        let base = (layer * kvHeads + kvHead) * capacity
                        // Tokens are independent: each core takes a range of them, from its rows of the signal to
                        // their spectra.
                        Parallel.forRanges(count: total, granule: 64) { worker, range in
                            for i in range {
                                let row = signal + i * stride
                                row.update(from: tailBase + (base + i) * hop, count: hop)
                                (row + hop).update(repeating: 0, count: window)
                            }
                            // The transpose (queries, tokens) -> (tokens, queries) in tiles that stay in L1.
                            for q0 in Swift.stride(from: 0, to: count, by: 32) {
                                for i0 in Swift.stride(from: range.lowerBound, to: range.upperBound, by: 64) {
                                    let i1 = min(i0 + 64, range.upperBound)
                                    for head in (kvHead * headsPerKVHead)..<((kvHead + 1) * headsPerKVHead) {
                                        for q in q0..<min(q0 + 32, count) {
                                            let source = rows + (head * chunkSize + q) * capacity
                                            let column = signal + hop + q
                                            for i in i0..<i1 { column[i * stride] += source[i] * share }
                                        }
                                    }
                                }
                            }
                            AttentionSpectrogram.update(
                                signals: signal + range.lowerBound * stride, count: range.count, queries: window,
                                firstRow: Array(firstRow[range]), ema: emaBase + (base + range.lowerBound) * bins,
                                tail: tailBase + (base + range.lowerBound) * hop, gamma: gamma,
                                scratch: &scratches[worker].values)
                        }
                    }
                }
            }
        }
    }

    final class Scratch: @unchecked Sendable {
        var values: [Float] = []
    }

    func retain(layer: Int, indicesPerHead: [[Int]]) {
        let bins = AttentionSpectrogram.bins
        let hop = AttentionSpectrogram.hop
        for (kvHead, indices) in indicesPerHead.enumerated() {
            let base = (layer * kvHeads + kvHead) * capacity
            for (target, source) in indices.enumerated() where target != source {
                for f in 0..<bins { ema[(base + target) * bins + f] = ema[(base + source) * bins + f] }
                for f in 0..<hop { tail[(base + target) * hop + f] = tail[(base + source) * hop + f] }
            }
        }
    }
}
