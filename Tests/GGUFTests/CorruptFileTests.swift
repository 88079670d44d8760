import Foundation
import GGUF
import Testing

/// Hand-crafted corrupt and hostile files: each must fail with a named `GGUFError`, never crash, never allocate
/// what the file cannot hold.
@Suite struct CorruptFileTests {
    func open(_ builder: GGUFBuilder) throws -> GGUFFile {
        let path = try builder.write()
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try GGUFFile(path: path)
    }

    func error(_ builder: GGUFBuilder) -> GGUFError? {
        do {
            _ = try open(builder)
            return nil
        } catch let e as GGUFError {
            return e
        } catch {
            return nil
        }
    }

    @Test func theValidBaselineOpens() throws {
        let f = try open(.valid())
        let t = try #require(f.tensor(named: "t"))
        #expect(try Dequantizer.floats(of: t, in: f).array == (0..<8).map(Float.init))
    }

    @Test func missingFileIsNamed() {
        #expect(throws: GGUFError.self) { try GGUFFile(path: "/nonexistent/model.gguf") }
    }

    @Test func emptyAndWrongMagic() {
        guard case .notGGUF = error(GGUFBuilder()) else {
            Issue.record("an empty file was not named")
            return
        }
        var b = GGUFBuilder.valid()
        b.bytes[0] = UInt8(ascii: "X")
        guard case .notGGUF = error(b) else {
            Issue.record("expected notGGUF, got \(String(describing: error(b)))")
            return
        }
    }

    @Test(arguments: [UInt32(1), 4, 99])
    func unsupportedVersions(version: UInt32) {
        var b = GGUFBuilder()
        b.header(version: version, tensors: 0, keys: 0)
        #expect(error(b) == .unsupportedVersion(version))
    }

    @Test func everyTruncationFailsCleanly() {
        let full = GGUFBuilder.valid().bytes
        for length in 0..<full.count {
            var b = GGUFBuilder()
            b.bytes = Array(full.prefix(length))
            #expect(error(b) != nil, "a file cut at \(length) bytes was accepted")
        }
    }

    @Test func hostileCountsAreRejectedBeforeAllocating() {
        var tensors = GGUFBuilder()
        tensors.header(tensors: UInt64.max, keys: 0)
        guard case .implausibleCount = error(tensors) else {
            Issue.record("tensor count")
            return
        }

        var keys = GGUFBuilder()
        keys.header(tensors: 0, keys: 1 << 60)
        guard case .implausibleCount = error(keys) else {
            Issue.record("key count")
            return
        }

        var string = GGUFBuilder()
        string.header(tensors: 0, keys: 1)
        string.u64(UInt64.max)  // key length
        guard case .truncated = error(string) else {
            Issue.record("string length")
            return
        }

        var array = GGUFBuilder()
        array.header(tensors: 0, keys: 1)
        array.string("a")
        array.u32(9)  // array
        array.u32(5)  // of int32
        array.u64(1 << 50)
        guard case .implausibleCount = error(array) else {
            Issue.record("array count")
            return
        }
    }

    @Test func unknownValueTypeIsNamed() {
        var b = GGUFBuilder()
        b.header(tensors: 0, keys: 1)
        b.string("weird")
        b.u32(77)
        #expect(error(b) == .unknownValueType(key: "weird", typeID: 77))
    }

    @Test func duplicateKeysAndTensors() {
        var keys = GGUFBuilder()
        keys.header(tensors: 0, keys: 2)
        keys.keyU32("a", 1)
        keys.keyU32("a", 2)
        #expect(error(keys) == .duplicateKey("a"))

        var tensors = GGUFBuilder()
        tensors.header(tensors: 2, keys: 0)
        tensors.tensor("t", dims: [8], type: 0, offset: 0)
        tensors.tensor("t", dims: [8], type: 0, offset: 32)
        tensors.align()
        tensors.bytes += [UInt8](repeating: 0, count: 64)
        #expect(error(tensors) == .duplicateTensor("t"))
    }

    @Test func badTensorEntries() {
        func file(dims: [UInt64], type: UInt32 = 0, offset: UInt64 = 0, data: Int = 32) -> GGUFBuilder {
            var b = GGUFBuilder()
            b.header(tensors: 1, keys: 0)
            b.tensor("t", dims: dims, type: type, offset: offset)
            b.align()
            b.bytes += [UInt8](repeating: 0, count: data)
            return b
        }
        guard case .badDimensions = error(file(dims: [1, 1, 1, 1, 1])) else {
            Issue.record("5 dims")
            return
        }
        guard case .badDimensions = error(file(dims: [0])) else {
            Issue.record("zero dim")
            return
        }
        guard case .badDimensions = error(file(dims: [1 << 31, 1 << 31, 1 << 31])) else {
            Issue.record("overflow")
            return
        }
        #expect(error(file(dims: [8], type: 200)) == .unknownTensorType(tensor: "t", typeID: 200))
        #expect(error(file(dims: [8], offset: 3)) == .misalignedTensor(tensor: "t", offset: 3, alignment: 32))
        guard case .tensorDataOutOfFile = error(file(dims: [1024])) else {
            Issue.record("data past the end")
            return
        }
        guard case .tensorDataOutOfFile = error(file(dims: [8], offset: 1 << 40)) else {
            Issue.record("offset past the end")
            return
        }
        guard case .badDimensions = error(file(dims: [33], type: 2)) else {
            Issue.record("partial Q4_0 block")
            return
        }
    }

    @Test func overlappingTensorsAreRejected() {
        var b = GGUFBuilder()
        b.header(tensors: 2, keys: 0)
        b.tensor("a", dims: [16], type: 0, offset: 0)
        b.tensor("b", dims: [8], type: 0, offset: 32)
        b.align()
        b.bytes += [UInt8](repeating: 0, count: 128)
        #expect(error(b) == .overlappingTensors("a", "b"))
    }

    @Test func badAlignmentKey() {
        var b = GGUFBuilder()
        b.header(tensors: 0, keys: 1)
        b.keyU32("general.alignment", 48)
        guard case .badAlignment = error(b) else {
            Issue.record("alignment 48")
            return
        }
    }

    @Test func unsupportedTensorTypeIsNamedWhenDequantised() throws {
        var b = GGUFBuilder()
        b.header(tensors: 1, keys: 0)
        b.tensor("t", dims: [256], type: 16, offset: 0)  // IQ2_XXS
        b.align()
        b.bytes += [UInt8](repeating: 0, count: 96)
        let f = try open(b)
        #expect(throws: GGUFError.unsupportedTensorType(tensor: "t", type: "IQ2_XXS")) {
            try Dequantizer.floats(of: f.tensor(named: "t")!, in: f)
        }
    }

    @Test func randomByteCorruptionNeverCrashes() throws {
        // Given the real fixture file, when single bytes of its header are replaced at random many times,
        // then every open either succeeds or throws a GGUFError.
        let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        let original = try [UInt8](Data(contentsOf: directory.appendingPathComponent("all_types.gguf")))
        var generator = SplitMix(seed: 7)
        for _ in 0..<400 {
            var b = GGUFBuilder()
            b.bytes = original
            for _ in 0..<3 {
                let position = Int(generator.next() % 1056)  // header and tensor table
                b.bytes[position] = UInt8(truncatingIfNeeded: generator.next())
            }
            do { _ = try open(b) } catch is GGUFError {} catch { Issue.record("unexpected error \(error)") }
        }
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
