import Foundation

/// LongRoPE's factor files: one float per line (the reference search's `result_final.csv`); blank lines and
/// lines starting with '#' are ignored.
public enum FactorsFile {
    public static func read(path: String) throws -> [Double] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw RescalingError.unreadableFactors(path: path, line: 0, text: "(cannot read: \(error.localizedDescription))")
        }
        var values: [Double] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let field = line.split(separator: ",").first.map(String.init) ?? line
            guard let value = Double(field.trimmingCharacters(in: .whitespaces)), value.isFinite, value > 0 else {
                throw RescalingError.unreadableFactors(path: path, line: index + 1, text: line)
            }
            values.append(value)
        }
        return values
    }

    public static func write(_ factors: [Double], to path: String) throws {
        try (factors.map { String($0) }.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}
