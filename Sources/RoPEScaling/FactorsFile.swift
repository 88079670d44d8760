import Foundation

/// LongRoPE's factor files: one float per line (the reference search's `result_final.csv`); blank lines and
/// lines starting with '#' are ignored, except `# n_hat N` and `# mscale M`, which ctxevo writes so that a file
/// carries the whole rotary table (readers of the reference format skip them as comments).
public enum FactorsFile {
    public struct Contents: Sendable, Equatable {
        public var factors: [Double]
        public var nHat: Int?
        public var mscale: Double?

        public init(factors: [Double], nHat: Int? = nil, mscale: Double? = nil) {
            self.factors = factors
            self.nHat = nHat
            self.mscale = mscale
        }
    }

    public static func read(path: String) throws -> [Double] { try readContents(path: path).factors }

    public static func readContents(path: String) throws -> Contents {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw RescalingError.unreadableFactors(
                path: path, line: 0, text: "(cannot read: \(error.localizedDescription))")
        }
        var contents = Contents(factors: [])
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") {
                let words = line.dropFirst().split(separator: " ")
                guard words.count == 2 else { continue }
                if words[0] == "n_hat" {
                    guard let n = Int(words[1]), n >= 0 else {
                        throw RescalingError.unreadableFactors(path: path, line: index + 1, text: line)
                    }
                    contents.nHat = n
                } else if words[0] == "mscale" {
                    guard let m = Double(words[1]), m.isFinite, m > 0 else {
                        throw RescalingError.unreadableFactors(path: path, line: index + 1, text: line)
                    }
                    contents.mscale = m
                }
                continue
            }
            if line.isEmpty { continue }
            let field = line.split(separator: ",").first.map(String.init) ?? line
            guard let value = Double(field.trimmingCharacters(in: .whitespaces)), value.isFinite, value > 0 else {
                throw RescalingError.unreadableFactors(path: path, line: index + 1, text: line)
            }
            contents.factors.append(value)
        }
        guard !contents.factors.isEmpty else {
            throw RescalingError.unreadableFactors(path: path, line: 0, text: "(no factors in the file)")
        }
        return contents
    }

    public static func write(_ factors: [Double], to path: String) throws {
        try write(Contents(factors: factors), to: path)
    }

    public static func write(_ contents: Contents, to path: String) throws {
        try text(contents).write(toFile: path, atomically: true, encoding: .utf8)
    }

    public static func text(_ contents: Contents) -> String {
        var lines: [String] = []
        if let n = contents.nHat { lines.append("# n_hat \(n)") }
        if let m = contents.mscale { lines.append("# mscale \(m)") }
        lines += contents.factors.map { String($0) }
        return lines.joined(separator: "\n") + "\n"
    }
}
