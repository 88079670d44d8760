import Numerics

/// The keys and values of one sequence, per layer and KV head, with the rotary position each key was cached
/// with. Keys are stored already rotated, so evicting tokens never re-rotates the ones kept (NAMM, spec section 4).
///
/// Layout per layer: keys and values (kvHeads, capacity, headWidth); positions (kvHeads, capacity). Every KV head
/// of a layer holds the same number of tokens (`length[layer]`), which keeps attention rectangular, but each head
/// may keep different tokens.
public final class KVCache: @unchecked Sendable {
    public let capacity: Int
    public let layers: Int
    public let kvHeads: Int
    public let headWidth: Int
    public private(set) var length: [Int]
    let keys: [FloatBuffer]
    let values: [FloatBuffer]
    let positions: [UnsafeMutablePointer<Int32>]

    /// A cache of `capacity` tokens for the configuration's layers, or for its first `layers` only (a benchmark of
    /// one layer's attention).
    public init(configuration c: LlamaConfiguration, capacity: Int, layers: Int? = nil) {
        self.capacity = capacity
        self.layers = min(layers ?? c.layers, c.layers)
        kvHeads = c.kvHeads
        headWidth = c.headWidth
        length = Array(repeating: 0, count: self.layers)
        // Zeroed, so that the pages are committed here, with the session, and not by the first evaluation's
        // appends (a quarter of a million page faults at 16k tokens, about a second).
        keys = (0..<self.layers).map { _ in FloatBuffer(count: c.kvHeads * capacity * c.headWidth) }
        values = (0..<self.layers).map { _ in FloatBuffer(count: c.kvHeads * capacity * c.headWidth) }
        positions = (0..<self.layers).map { _ in
            let p = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, c.kvHeads * capacity))
            p.initialize(repeating: 0, count: max(1, c.kvHeads * capacity))
            return p
        }
    }

    deinit { for p in positions { p.deallocate() } }

    public func reset() { length = Array(repeating: 0, count: layers) }

    /// Keys of one head: (length[layer], headWidth) rows.
    func keys(layer: Int, head: Int) -> UnsafeMutablePointer<Float> {
        keys[layer].pointer + head * capacity * headWidth
    }

    func values(layer: Int, head: Int) -> UnsafeMutablePointer<Float> {
        values[layer].pointer + head * capacity * headWidth
    }

    /// The rotary position of each cached token of a head.
    public func positions(layer: Int, head: Int) -> UnsafeBufferPointer<Int32> {
        UnsafeBufferPointer(start: positions[layer] + head * capacity, count: length[layer])
    }

    /// The L2 norm of each cached key of a head (keys as cached, after RoPE), for KNorm-style scores.
    public func keyNorms(layer: Int, head: Int) -> [Float] {
        let k = keys(layer: layer, head: head)
        return (0..<length[layer]).map { row in
            var sum: Float = 0
            for j in 0..<headWidth { sum += k[row * headWidth + j] * k[row * headWidth + j] }
            return sum.squareRoot()
        }
    }

    /// Appends `rows` tokens: k and v are (rows, kvHeads * headWidth), as the projections produce them.
    public func append(
        layer: Int, rows: Int, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>,
        positions p: UnsafePointer<Int32>
    ) {
        let start = length[layer]
        let width = kvHeads * headWidth
        for head in 0..<kvHeads {
            let kTarget = keys(layer: layer, head: head) + start * headWidth
            let vTarget = values(layer: layer, head: head) + start * headWidth
            for row in 0..<rows {
                (kTarget + row * headWidth).update(from: k + row * width + head * headWidth, count: headWidth)
                (vTarget + row * headWidth).update(from: v + row * width + head * headWidth, count: headWidth)
            }
            (positions[layer] + head * capacity + start).update(from: p, count: rows)
        }
        length[layer] = start + rows
    }

    /// Keeps, in each head of `layer`, only the cached tokens at the given indices (ascending, the same count for
    /// every head); the others are evicted and the cache is compacted.
    public func retain(layer: Int, indicesPerHead: [[Int]]) throws {
        guard indicesPerHead.count == kvHeads,
            let count = indicesPerHead.first?.count,
            indicesPerHead.allSatisfy({ $0.count == count })
        else { throw CacheError.notRectangular }
        for (head, indices) in indicesPerHead.enumerated() {
            guard zip(indices, indices.dropFirst()).allSatisfy({ $0 < $1 }),
                indices.allSatisfy({ $0 >= 0 && $0 < length[layer] })
            else { throw CacheError.badIndices(layer: layer, head: head) }
            let k = keys(layer: layer, head: head)
            let v = values(layer: layer, head: head)
            let p = positions[layer] + head * capacity
            for (target, source) in indices.enumerated() where target != source {
                (k + target * headWidth).update(from: k + source * headWidth, count: headWidth)
                (v + target * headWidth).update(from: v + source * headWidth, count: headWidth)
                p[target] = p[source]
            }
        }
        length[layer] = count
    }

    public enum CacheError: Error, CustomStringConvertible {
        case notRectangular
        case badIndices(layer: Int, head: Int)
        public var description: String {
            switch self {
            case .notRectangular: "every KV head of a layer must keep the same number of tokens"
            case .badIndices(let layer, let head):
                "eviction indices of layer \(layer), head \(head) are not ascending cache indices"
            }
        }
    }
}
