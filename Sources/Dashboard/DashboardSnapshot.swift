import Foundation

/// `ctxevo report`: the dashboard's run page saved as one self-contained HTML file, the charts library and the
/// run's data inlined (`DashboardPage` renders it without a server). One renderer for the live page and the report.
public enum DashboardSnapshot {
    /// The page of a run (`DashboardData.runJSON`) with `charts` inlined.
    public static func html(runJSON: String, charts: Data) throws -> String {
        let payload = "{\"page\":\"run\",\"run_data\":" + runJSON + "}"
        return DashboardPage.html
            .replacingOccurrences(of: "<!--CTXEVO_CHARTS-->", with: "<script>" + (try library(charts)) + "</script>")
            .replacingOccurrences(
                of: "<!--CTXEVO_DATA-->",
                with: "<script>window.CTXEVO_SNAPSHOT = " + scriptSafe(payload) + ";</script>")
    }

    /// The charts library as the body of a <script> element: it must not close the element itself (plotly.js
    /// 4.1.1 does not; a library that did is refused rather than edited, since its code is not ours to rewrite).
    static func library(_ charts: Data) throws -> String {
        let text = String(decoding: charts, as: UTF8.self)
        guard text.range(of: "</script", options: .caseInsensitive) == nil else {
            throw CocoaError(
                .fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "the charts library contains </script"])
        }
        return text
    }

    /// Text that can stand inside a <script> element: no "</" closes it early (a name like "</script>" in the data
    /// becomes "<\/script>", the same string to JavaScript), and the line separators JavaScript strings once refused
    /// are escaped.
    static func scriptSafe(_ text: String) -> String {
        text.replacingOccurrences(of: "</", with: "<\\/")
            .replacingOccurrences(of: "\u{2028}", with: "\\u2028")
            .replacingOccurrences(of: "\u{2029}", with: "\\u2029")
    }

    /// Text for an HTML attribute value in double quotes.
    static func escapeAttribute(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
