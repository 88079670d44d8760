import Foundation

/// A one-line progress bar with the time left, on standard error. Redrawn in place on a terminal; on a pipe or
/// file it prints a line at most every 10 seconds so logs stay short.
public final class ProgressBar: @unchecked Sendable {
    let label: String
    let unit: String
    let start = Date()
    var lastDraw = Date.distantPast
    let interactive: Bool
    let enabled: Bool
    /// The fraction of the work done at (done, total), when units are not equally costly (attention makes later
    /// tokens of a window dearer); the time left is estimated from it. Default: done / total. Set it before the
    /// first update.
    var workFraction: ((Int, Int) -> Double)?
    /// Units done before this process started (a resumed run's recorded evaluations): rates and the time left
    /// count only what this process does.
    let alreadyDone: Int

    public init(
        label: String, unit: String = "tok", enabled: Bool = true, alreadyDone: Int = 0,
        workFraction: ((Int, Int) -> Double)? = nil
    ) {
        self.label = label
        self.alreadyDone = alreadyDone
        self.unit = unit
        self.enabled = enabled
        self.workFraction = workFraction
        interactive = isatty(STDERR_FILENO) != 0
    }

    public func update(_ done: Int, of total: Int) { update(Double(done), of: total) }

    /// Progress in fractional units (an evaluation half done counts one half).
    public func update(_ done: Double, of total: Int) {
        guard enabled, total > 0 else { return }
        let now = Date()
        let finished = done >= Double(total)
        guard finished || now.timeIntervalSince(lastDraw) >= (interactive ? 0.2 : 10) else { return }
        lastDraw = now
        let fraction = min(1, done / Double(total))
        let work = min(1, workFraction?(Int(done), total) ?? fraction)
        let elapsed = now.timeIntervalSince(start)
        let before = (
            done: Double(alreadyDone),
            work: min(1, workFraction?(alreadyDone, total) ?? Double(alreadyDone) / Double(total))
        )
        let remaining = work > before.work ? elapsed * (1 - work) / (work - before.work) : .nan
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let perSecond = elapsed > 0 ? (done - before.done) / elapsed : 0
        let hourly = perSecond < 1  // slow units (an evaluation of minutes) read better per hour
        let line = String(
            format: "%@ [%@] %3.0f%% %.0f/%d %@ %.*f %@/%@ elapsed %@ left %@", label, bar, fraction * 100,
            done.rounded(.down), total, unit, hourly ? 1 : 0, hourly ? perSecond * 3600 : perSecond, unit,
            hourly ? "h" : "s", ProgressBar.clock(elapsed), finished ? "0:00" : ProgressBar.clock(remaining))
        FileHandle.standardError.write(
            Data(((interactive ? "\r" : "") + line + (interactive && !finished ? "" : "\n")).utf8))
    }

    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600
            ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
