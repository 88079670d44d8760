/// IEEE half and bfloat16 to single precision, exact for every bit pattern (subnormals, inf, NaN).
public enum HalfPrecision {
    @inline(__always)
    public static func float(fromHalf bits: UInt16) -> Float {
        Float(Float16(bitPattern: bits))
    }

    /// bfloat16 is the top half of a float32.
    @inline(__always)
    public static func float(fromBFloat16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }
}
