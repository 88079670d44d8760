/// Placeholder until the page is written.
public enum DashboardPage {
    public static let html: String = #"""
        <!doctype html><html><head><!--CTXEVO_CHARTS--></head><body><!--CTXEVO_DATA--><p id="run-title">ctxevo</p></body></html>
        """#
}
