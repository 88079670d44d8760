/// The tensor element types of ggml, with their block geometry (elements per block, bytes per block).
/// Type ids are those of ggml.h; only the ids listed here are recognised.
public struct GGMLType: Hashable, Sendable, CustomStringConvertible {
    public let id: UInt32
    public let name: String
    public let blockElements: Int
    public let blockBytes: Int

    public var description: String { name }

    public static let f32 = GGMLType(id: 0, name: "F32", blockElements: 1, blockBytes: 4)
    public static let f16 = GGMLType(id: 1, name: "F16", blockElements: 1, blockBytes: 2)
    public static let q4_0 = GGMLType(id: 2, name: "Q4_0", blockElements: 32, blockBytes: 18)
    public static let q4_1 = GGMLType(id: 3, name: "Q4_1", blockElements: 32, blockBytes: 20)
    public static let q5_0 = GGMLType(id: 6, name: "Q5_0", blockElements: 32, blockBytes: 22)
    public static let q5_1 = GGMLType(id: 7, name: "Q5_1", blockElements: 32, blockBytes: 24)
    public static let q8_0 = GGMLType(id: 8, name: "Q8_0", blockElements: 32, blockBytes: 34)
    public static let q8_1 = GGMLType(id: 9, name: "Q8_1", blockElements: 32, blockBytes: 36)
    public static let q2_K = GGMLType(id: 10, name: "Q2_K", blockElements: 256, blockBytes: 84)
    public static let q3_K = GGMLType(id: 11, name: "Q3_K", blockElements: 256, blockBytes: 110)
    public static let q4_K = GGMLType(id: 12, name: "Q4_K", blockElements: 256, blockBytes: 144)
    public static let q5_K = GGMLType(id: 13, name: "Q5_K", blockElements: 256, blockBytes: 176)
    public static let q6_K = GGMLType(id: 14, name: "Q6_K", blockElements: 256, blockBytes: 210)
    public static let q8_K = GGMLType(id: 15, name: "Q8_K", blockElements: 256, blockBytes: 292)
    public static let iq2_XXS = GGMLType(id: 16, name: "IQ2_XXS", blockElements: 256, blockBytes: 66)
    public static let iq2_XS = GGMLType(id: 17, name: "IQ2_XS", blockElements: 256, blockBytes: 74)
    public static let iq3_XXS = GGMLType(id: 18, name: "IQ3_XXS", blockElements: 256, blockBytes: 98)
    public static let iq1_S = GGMLType(id: 19, name: "IQ1_S", blockElements: 256, blockBytes: 50)
    public static let iq4_NL = GGMLType(id: 20, name: "IQ4_NL", blockElements: 32, blockBytes: 18)
    public static let iq3_S = GGMLType(id: 21, name: "IQ3_S", blockElements: 256, blockBytes: 110)
    public static let iq2_S = GGMLType(id: 22, name: "IQ2_S", blockElements: 256, blockBytes: 82)
    public static let iq4_XS = GGMLType(id: 23, name: "IQ4_XS", blockElements: 256, blockBytes: 136)
    public static let i8 = GGMLType(id: 24, name: "I8", blockElements: 1, blockBytes: 1)
    public static let i16 = GGMLType(id: 25, name: "I16", blockElements: 1, blockBytes: 2)
    public static let i32 = GGMLType(id: 26, name: "I32", blockElements: 1, blockBytes: 4)
    public static let i64 = GGMLType(id: 27, name: "I64", blockElements: 1, blockBytes: 8)
    public static let f64 = GGMLType(id: 28, name: "F64", blockElements: 1, blockBytes: 8)
    public static let iq1_M = GGMLType(id: 29, name: "IQ1_M", blockElements: 256, blockBytes: 56)
    public static let bf16 = GGMLType(id: 30, name: "BF16", blockElements: 1, blockBytes: 2)

    public static let known: [GGMLType] = [
        .f32, .f16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K,
        .iq2_XXS, .iq2_XS, .iq3_XXS, .iq1_S, .iq4_NL, .iq3_S, .iq2_S, .iq4_XS, .i8, .i16, .i32, .i64, .f64,
        .iq1_M, .bf16,
    ]

    /// The types `Dequantizer` turns into float32.
    public static let dequantisable: [GGMLType] = [
        .f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K,
    ]

    public static func withID(_ id: UInt32) -> GGMLType? { known.first { $0.id == id } }

    /// Bytes of a row of `elements` values, nil when `elements` is not a whole number of blocks.
    public func rowBytes(elements: Int) -> Int? {
        guard elements % blockElements == 0 else { return nil }
        return elements / blockElements * blockBytes
    }
}
