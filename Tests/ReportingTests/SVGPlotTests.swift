import Foundation
import Reporting
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Strings from a run database (experiment names, events) reach HTML pages: they must render as text.
@Suite struct SVGPlotTests {
    @Test func hostileTextIsEscaped() {
        let escaped = SVGPlot.escape("<script>alert('x & y')</script> \"q\"")
        #expect(!escaped.contains("<") && !escaped.contains(">") && !escaped.contains("\""))
        #expect(escaped.contains("&lt;script&gt;") && escaped.contains("&amp;"))
    }

    @Test func aPlotOfHostileNamesIsWellFormedSVG() throws {
        let plot = SVGPlot(
            title: "<b>title</b>", xLabel: "x & y", yLabel: "y",
            series: [.init(name: "<i>a</i>", color: "#000", points: [(0, 1), (1, 2), (2, 4)])])
        let svg = plot.render()
        #expect(!svg.contains("<b>") && !svg.contains("<i>"))
        // A well-formed document: the XML parser accepts it.
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
    }
}
