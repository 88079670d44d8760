import Assets
import Foundation
import Testing

/// The fingerprints of runs: SHA-256 against the published test vectors (FIPS 180-2, appendix B) and against the
/// system's `sha256sum`, which computed the fingerprints recorded before `Digest` used swift-crypto.
@Suite struct DigestTests {
    func file(_ bytes: Data) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("digest-\(UUID()).bin").path
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func publishedVectors() throws {
        let abc = try file(Data("abc".utf8))
        let empty = try file(Data())
        let million = try file(Data(repeating: UInt8(ascii: "a"), count: 1_000_000))
        defer { for p in [abc, empty, million] { try? FileManager.default.removeItem(atPath: p) } }
        #expect(try Digest.sha256(file: abc) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(try Digest.sha256(file: empty) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        // One million 'a': longer than one read chunk of many files, shorter than the chunk here; the vector is B.3.
        #expect(try Digest.sha256(file: million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func combiningAgreesWithSha256sum() throws {
        var random = Data()
        for i in 0..<5000 { random.append(UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7)) }
        let a = try file(random)
        let b = try file(Data("the second file\n".utf8))
        defer { for p in [a, b] { try? FileManager.default.removeItem(atPath: p) } }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "sha256sum '\(a)' '\(b)' | cut -d' ' -f1 | sha256sum | cut -d' ' -f1"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let expected = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        #expect(try Digest.sha256(combining: [a, b]) == expected)
    }

    @Test func anUnreadableFileIsANamedError() {
        #expect(throws: AssetError.self) { try Digest.sha256(file: "/nonexistent/model.gguf") }
    }
}
