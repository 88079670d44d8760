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

    /// Generations and layers are counts: whole-number ticks a round step apart, never 1.75 or 3.5.
    @Test func countsGetWholeNumberTicks() {
        #expect(SVGPlot.xTicks(from: 0, to: 7, integer: true) == [0, 2, 4, 6])
        #expect(SVGPlot.xTicks(from: 0, to: 3, integer: true) == [0, 1, 2, 3])
        #expect(SVGPlot.xTicks(from: 0, to: 39, integer: true) == [0, 10, 20, 30])
        #expect(SVGPlot.xTicks(from: 1, to: 29, integer: true) == [5, 10, 15, 20, 25])
        #expect(SVGPlot.xTicks(from: 0, to: 1000, integer: true) == [0, 200, 400, 600, 800, 1000])
        #expect(SVGPlot.xTicks(from: 0, to: 8, integer: false) == [0, 2, 4, 6, 8])
        for high in 1...300 {
            let ticks = SVGPlot.xTicks(from: 0, to: Double(high), integer: true)
            #expect(ticks.allSatisfy { $0 == $0.rounded() } && (2...6).contains(ticks.count), "\(high): \(ticks)")
        }
        #expect(SVGPlot.timeUnit(forLargest: 90).name == "seconds")
        #expect(SVGPlot.timeUnit(forLargest: 4_440).name == "minutes")
        #expect(SVGPlot.timeUnit(forLargest: 30_000).divisor == 3600)
    }
}
