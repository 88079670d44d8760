/// How much cache a policy may keep, and how it is shared among the layers.
public struct CacheBudget: Sendable, Equatable, Codable {
    public enum Size: Sendable, Equatable, Codable {
        /// A fraction of the tokens seen so far (1 keeps everything).
        case fraction(Double)
        /// A number of tokens per layer.
        case tokens(Int)
        /// NAMM's published rule: a scoring rule evicts the tokens it scores below zero (no fixed size).
        case threshold
    }

    /// The share of each layer, relative to the mean (a layer's budget is the size times its weight).
    public enum Allocation: Sendable, Equatable, Codable {
        case uniform
        /// PyramidKV (Cai et al., 2024): more cache in lower layers, linearly from 1.5× at the first layer to 0.5×
        /// at the last.
        case pyramid
        /// One weight per layer, normalised to mean 1 (EvolKV searches these).
        case perLayer([Double])
    }

    public var size: Size
    public var allocation: Allocation

    public init(size: Size, allocation: Allocation = .uniform) {
        self.size = size
        self.allocation = allocation
    }

    /// The weights of `layers` layers, mean 1.
    public func weights(layers: Int) -> [Double] {
        switch allocation {
        case .uniform: return Array(repeating: 1, count: layers)
        case .pyramid:
            guard layers > 1 else { return [1] }
            return (0..<layers).map { 1.5 - Double($0) / Double(layers - 1) }
        case .perLayer(let raw):
            let positive = raw.map { max(0, $0) }
            let mean = positive.reduce(0, +) / Double(max(1, positive.count))
            return mean > 0 ? positive.map { $0 / mean } : Array(repeating: 1, count: layers)
        }
    }

    /// Tokens layer `layer` may keep after `seen` tokens: at least 1 (the newest token is always kept).
    public func tokens(layer: Int, weights: [Double], seen: Int) -> Int {
        let base =
            switch size {
            case .fraction(let f): f * Double(seen)
            case .tokens(let n): Double(n)
            case .threshold: Double(Int.max / 4)
            }
        return max(1, Int((base * weights[layer]).rounded()))
    }

    public var isFull: Bool {
        if case .fraction(let f) = size, f >= 1, allocation == .uniform { return true }
        return false
    }
}
