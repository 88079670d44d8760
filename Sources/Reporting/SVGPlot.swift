import Foundation

/// Small, dependency-free SVG line charts for the HTML reports (no network, no scripts).
public struct SVGPlot {
    public struct Series {
        public var name: String
        public var color: String
        public var points: [(x: Double, y: Double)]
        public init(name: String, color: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.color = color
            self.points = points
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// A shaded band (lower, upper) per x, drawn under the lines (e.g. best-to-worst spread).
    public var band: [(x: Double, low: Double, high: Double)] = []
    public var logY = false
    /// The x values are counts (generations, layers): ticks only at whole numbers, a round step apart.
    public var integerX = false
    public var width = 720.0
    public var height = 320.0

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    public func render() -> String {
        let left = 70.0
        let right = 150.0
        let top = 30.0
        let bottom = 45.0
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        func transform(_ y: Double) -> Double? {
            guard y.isFinite else { return nil }
            if logY { return y > 0 ? log10(y) : nil }
            return y
        }
        let xs = series.flatMap { $0.points.map(\.x) } + band.map(\.x)
        let ys = (series.flatMap { $0.points.map(\.y) } + band.flatMap { [$0.low, $0.high] }).compactMap(transform)
        guard let xMin = xs.min(), let xMax = xs.max(), let yMin0 = ys.min(), let yMax0 = ys.max() else {
            return "<p>(no data for \(SVGPlot.escape(title)))</p>"
        }
        let yMin = yMin0 == yMax0 ? yMin0 - 1 : yMin0
        let yMax = yMin0 == yMax0 ? yMax0 + 1 : yMax0
        let xSpan = xMax == xMin ? 1 : xMax - xMin
        func px(_ x: Double) -> Double { left + (x - xMin) / xSpan * plotWidth }
        func py(_ y: Double) -> Double { top + (1 - (y - yMin) / (yMax - yMin)) * plotHeight }
        var svg =
            "<svg xmlns='http://www.w3.org/2000/svg' width='\(Int(width))' height='\(Int(height))' font-family='sans-serif' font-size='11'>"
        svg += "<text x='\(left)' y='18' font-size='13' font-weight='bold'>\(SVGPlot.escape(title))</text>"
        svg += "<rect x='\(left)' y='\(top)' width='\(plotWidth)' height='\(plotHeight)' fill='none' stroke='#999'/>"
        for k in 0...4 {  // y ticks
            let v = yMin + (yMax - yMin) * Double(k) / 4
            // Enough digits to tell the ticks apart when the range is narrow relative to the values.
            let digits = SVGPlot.digits(log10(max(abs(yMin), abs(yMax), 1e-300) / (yMax - yMin)))
            // Log axes are labelled with the values themselves (10^v), with the digits their spread needs.
            let value = logY ? pow(10, v) : v
            let logDigits = SVGPlot.digits(-log10(max(pow(10, yMax - yMin) - 1, 1e-12)))
            let label = String(format: "%.\(min(logY ? logDigits : digits, 12))g", value)
            svg += "<line x1='\(left - 4)' x2='\(left)' y1='\(py(v))' y2='\(py(v))' stroke='#999'/>"
            svg += "<text x='\(left - 6)' y='\(py(v) + 4)' text-anchor='end'>\(label)</text>"
        }
        for v in SVGPlot.xTicks(from: xMin, to: xMin + xSpan, integer: integerX) {
            svg +=
                "<text x='\(px(v))' y='\(top + plotHeight + 15)' text-anchor='middle'>\(String(format: "%.4g", v))</text>"
        }
        svg +=
            "<text x='\(left + plotWidth / 2)' y='\(height - 8)' text-anchor='middle'>\(SVGPlot.escape(xLabel))</text>"
        svg +=
            "<text x='14' y='\(top + plotHeight / 2)' transform='rotate(-90 14 \(top + plotHeight / 2))' text-anchor='middle'>\(SVGPlot.escape(yLabel + (logY ? " (log)" : "")))</text>"
        let bandPoints = band.compactMap { b -> (Double, Double, Double)? in
            guard let l = transform(b.low), let h = transform(b.high) else { return nil }
            return (px(b.x), py(l), py(h))
        }
        if bandPoints.count > 1 {
            let upper = bandPoints.map { "\($0.0),\($0.2)" }
            let lower = bandPoints.reversed().map { "\($0.0),\($0.1)" }
            svg +=
                "<polygon points='\((upper + lower).joined(separator: " "))' fill='#4a90d9' fill-opacity='0.18' stroke='none'/>"
        }
        for (k, s) in series.enumerated() {
            let points = s.points.compactMap { p in transform(p.y).map { "\(px(p.x)),\(py($0))" } }
            if points.count == 1 {
                let xy = points[0].split(separator: ",")
                svg += "<circle cx='\(xy[0])' cy='\(xy[1])' r='3' fill='\(s.color)'/>"
            } else if !points.isEmpty {
                svg +=
                    "<polyline points='\(points.joined(separator: " "))' fill='none' stroke='\(s.color)' stroke-width='1.6'/>"
            }
            let ly = top + 14 + Double(k) * 16
            svg +=
                "<line x1='\(left + plotWidth + 12)' x2='\(left + plotWidth + 32)' y1='\(ly - 4)' y2='\(ly - 4)' stroke='\(s.color)' stroke-width='2'/>"
            svg += "<text x='\(left + plotWidth + 36)' y='\(ly)'>\(SVGPlot.escape(s.name))</text>"
        }
        return svg + "</svg>"
    }

    /// Text made safe for HTML and SVG markup.
    /// Five evenly spaced x ticks, or for counts the whole numbers a round step (1, 2 or 5 × 10^k) apart, the step
    /// the smallest that gives at most six ticks.
    public static func xTicks(from low: Double, to high: Double, integer: Bool) -> [Double] {
        guard integer else { return (0...4).map { low + (high - low) * Double($0) / 4 } }
        func count(_ step: Double) -> Double { (high / step + 1e-9).rounded(.down) - (low / step).rounded(.up) + 1 }
        var step = 1.0
        while count(step) > 6 {
            let decade = pow(10, (log10(step)).rounded(.down))
            let mantissa = (step / decade).rounded()
            step = mantissa == 1 ? 2 * decade : mantissa == 2 ? 5 * decade : 10 * decade
        }
        var ticks: [Double] = []
        var v = (low / step).rounded(.up) * step
        while v <= high + 1e-9 {
            ticks.append(v)
            v += step
        }
        return ticks
    }

    /// Seconds in the unit a person reads them in: seconds up to two minutes, minutes up to two hours, then hours;
    /// the divisor and the unit's name.
    public static func timeUnit(forLargest seconds: Double) -> (divisor: Double, name: String) {
        seconds > 7200 ? (3600, "hours") : seconds > 120 ? (60, "minutes") : (1, "seconds")
    }

    /// Significant digits for tick labels from the decades between the values and their spread (at least 3; 3
    /// when the figure is not finite, e.g. for a range as wide as the doubles).
    static func digits(_ decades: Double) -> Int {
        guard decades.isFinite else { return 3 }
        return max(3, Int(ceil(min(decades, 20))) + 2)
    }

    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "'", with: "&#39;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
