import Foundation
import MemoryPolicy
import Testing

/// A network file reads back as written, and every damaged or mismatched file is refused with a named error.
@Suite struct NAMMNetworkFileTests {
    func file(parameters: [Double] = Array(repeating: 0.01, count: 26)) -> NAMMNetworkFile {
        NAMMNetworkFile(
            scorer: "linear", parameters: parameters, normalization: .identity,
            training: .init(
                modelSHA256: "abc", layers: 30, kvHeads: 3, updateInterval: 512, length: 4096, budget: "0.25"))
    }

    func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("namm-\(UUID()).json").path
    }

    @Test func roundTripAndRefusals() throws {
        let written = file()
        let good = path()
        defer { try? FileManager.default.removeItem(atPath: good) }
        try written.write(to: good)
        #expect(try NAMMNetworkFile.read(path: good, modelSHA256: "abc") == written)
        // Another model
        #expect(throws: NAMMFileError.self) { try NAMMNetworkFile.read(path: good, modelSHA256: "def") }
        // Damaged files: not JSON, a newer version, the wrong parameter count, a non-finite normalisation
        var newer = written
        newer.version = 2
        var short = written
        short.parameters.removeLast()
        var badNormalization = written
        badNormalization.normalization.mean[3] = .infinity
        var badDecay = written
        badDecay.normalization.gamma = 1
        let cases: [(String, (String) throws -> Void)] = [
            ("not json", { try Data("{nope".utf8).write(to: URL(fileURLWithPath: $0)) }),
            ("newer", { try newer.write(to: $0) }),
            ("short", { try short.write(to: $0) }),
            ("decay of 1", { try badDecay.write(to: $0) }),
        ]
        for (name, write) in cases {
            let p = path()
            defer { try? FileManager.default.removeItem(atPath: p) }
            try write(p)
            #expect(throws: NAMMFileError.self, "\(name)") { try NAMMNetworkFile.read(path: p) }
        }
        // JSON cannot hold infinity: the encoder refuses it before anything is written.
        #expect(throws: (any Error).self) { try badNormalization.write(to: path()) }
        #expect(throws: NAMMFileError.self) { try NAMMNetworkFile.read(path: "/nonexistent/namm.json") }
    }

    /// The prior a network corrects travels with it; a file without one is a network of its own.
    @Test func thePriorTravelsWithTheNetwork() throws {
        var written = file()
        written.prior = .h2o
        let p = path()
        defer { try? FileManager.default.removeItem(atPath: p) }
        try written.write(to: p)
        let read = try NAMMNetworkFile.read(path: p)
        #expect(read.prior == .h2o && read == written)
        #expect(try read.rule().name == "namm-linear+h2o")
        #expect(try file().rule().name == "namm-linear")
        var text = try String(contentsOfFile: p, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"h2o\"", with: "\"tova\"")
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        #expect(throws: NAMMFileError.self) { try NAMMNetworkFile.read(path: p) }
    }

    /// A network's spectrogram decay is stored with its normalisation and read back; a file written before it was
    /// stored has the spec's 0.99.
    @Test func theSpectrogramDecayTravelsWithTheNetwork() throws {
        var written = file()
        written.normalization.gamma = 0.9995
        let p = path()
        defer { try? FileManager.default.removeItem(atPath: p) }
        try written.write(to: p)
        let read = try NAMMNetworkFile.read(path: p)
        #expect(read.normalization.gamma == 0.9995)
        #expect(try read.rule().spectrogramGamma == 0.9995)
        var json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: p))) as? [String: Any])
        var normalization = try #require(json["normalization"] as? [String: Any])
        normalization.removeValue(forKey: "gamma")
        json["normalization"] = normalization
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: p))
        #expect(try NAMMNetworkFile.read(path: p).normalization.gamma == AttentionSpectrogram.gamma)
    }
}
