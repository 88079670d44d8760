import Foundation

/// Resident memory of this process, read from the kernel.
public enum ProcessMemory {
    /// Peak resident set size in bytes (VmHWM), or nil where /proc is not available.
    public static func peakResidentBytes() -> Int? { readStatus(field: "VmHWM:") }

    /// Current resident set size in bytes (VmRSS).
    public static func residentBytes() -> Int? { readStatus(field: "VmRSS:") }

    /// Resets the peak to the current value (Linux >= 4.0: write "5" to /proc/self/clear_refs), so that a
    /// benchmark can measure the peak of one phase. Returns false when the kernel refuses.
    @discardableResult
    public static func resetPeak() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do {
            try handle.write(contentsOf: Data("5".utf8))
            return true
        } catch { return false }
    }

    private static func readStatus(field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field) {
            let number = line.dropFirst(field.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap {
                Int($0)
            }
            return number.map { $0 * 1024 }
        }
        return nil
    }
}
