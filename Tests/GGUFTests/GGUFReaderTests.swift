import Foundation
import GGUF
import Testing

/// The fixture file and its expected values were made with gguf-py, an independent implementation.
struct Fixture {
    let file: GGUFFile
    let expected: [String: Any]

    init() throws {
        let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        file = try GGUFFile(path: directory.appendingPathComponent("all_types.gguf").path)
        let data = try Data(contentsOf: directory.appendingPathComponent("all_types.expected.json"))
        expected = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }
}

@Suite struct GGUFReaderTests {
    @Test func readsEveryMetadataValueType() throws {
        let f = try Fixture().file
        #expect(f.version == 3)
        #expect(f.metadata["test.uint8"] == .uint8(200))
        #expect(f.metadata["test.int8"] == .int8(-100))
        #expect(f.metadata["test.uint16"] == .uint16(65000))
        #expect(f.metadata["test.int16"] == .int16(-12345))
        #expect(f.metadata["test.uint32"] == .uint32(4_000_000_000))
        #expect(f.metadata["test.int32"] == .int32(-2_000_000_000))
        #expect(f.metadata["test.float32"] == .float32(-3.14159274))
        #expect(f.metadata["test.bool"] == .bool(true))
        #expect(f.metadata["test.string"] == .string("Milton’s Æ"))
        #expect(f.metadata["test.uint64"] == .uint64(18_364_758_544_493_064_720))
        #expect(f.metadata["test.int64"] == .int64(-1_311_768_467_463_790_320))
        #expect(f.metadata["test.float64"] == .float64(-2.718281828459045))
        #expect(
            f.metadata["test.array_int32"] == .array([.int32(1), .int32(-2), .int32(3), .int32(.min), .int32(.max)]))
        #expect(
            f.metadata["test.array_string"]
                == .array([.string("alpha"), .string(""), .string("Milton’s Æ"), .string("日本語")]))
    }

    @Test func tensorTableMatchesTheWriter() throws {
        let fixture = try Fixture()
        let tensors = fixture.expected["tensors"] as! [String: [String: Any]]
        #expect(fixture.file.tensors.count == tensors.count)
        for (name, entry) in tensors {
            let info = try #require(fixture.file.tensor(named: name))
            #expect(info.type.name == entry["type"] as! String)
            #expect(info.dimensions == entry["ne"] as! [Int])
            #expect(info.fileOffset == entry["offset"] as! Int)
            #expect(info.byteCount == entry["nbytes"] as! Int)
        }
    }

    @Test(arguments: ["f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q4_k", "q5_k", "q6_k"])
    func dequantisesLikeGGUFPy(tensor name: String) throws {
        let fixture = try Fixture()
        let entry = (fixture.expected["tensors"] as! [String: [String: Any]])[name]!
        let expected = (entry["values"] as! [NSNumber]).map(\.floatValue)
        let values = try Dequantizer.floats(of: try #require(fixture.file.tensor(named: name)), in: fixture.file).array
        #expect(values.count == expected.count)
        var worst: Float = 0
        for (a, b) in zip(values, expected) { worst = max(worst, abs(a - b) / max(abs(b), 1e-6)) }
        #expect(worst <= 1e-6, "\(name): worst relative difference \(worst)")
    }
}
