@testable import Analysis
import Pipeline
import Service
import Testing

@Suite struct PrometheusTextTests {
    @Test func familiesSamplesAndEscaping() {
        var p = PrometheusText()
        p.family("vigil_x_total", "counter", help: "An x.\nTwo lines.")
        p.sample("vigil_x_total", [("camera", "a\"b\\c\nd")], 3)
        p.sample("vigil_y", [], 0.25)
        #expect(p.text == """
            # HELP vigil_x_total An x.\\nTwo lines.
            # TYPE vigil_x_total counter
            vigil_x_total{camera="a\\"b\\\\c\\nd"} 3
            vigil_y 0.25

            """)
    }

    @Test func histogramIsCumulativeWithInfSumAndCount() {
        let h = LatencyHistogram(bounds: [0.01, 0.1])
        for v in [0.005, 0.05, 0.05, 2.0] { h.observe(v) }
        var p = PrometheusText()
        p.histogram("vigil_t_seconds", [("camera", "c")], h)
        let lines = p.text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "vigil_t_seconds_bucket{camera=\"c\",le=\"0.01\"} 1")
        #expect(lines[1] == "vigil_t_seconds_bucket{camera=\"c\",le=\"0.1\"} 3")
        #expect(lines[2] == "vigil_t_seconds_bucket{camera=\"c\",le=\"+Inf\"} 4")
        #expect(lines[3].hasPrefix("vigil_t_seconds_sum{camera=\"c\"} 2.105"))
        #expect(lines[4] == "vigil_t_seconds_count{camera=\"c\"} 4")
    }
}

@Suite struct LatencyHistogramTests {
    @Test func quantilesInterpolateInsideBuckets() {
        let h = LatencyHistogram(bounds: [0.01, 0.02, 0.04])
        #expect(h.quantile(0.5) == nil)
        for _ in 0..<50 { h.observe(0.005) }   // (0, 0.01]
        for _ in 0..<50 { h.observe(0.015) }   // (0.01, 0.02]
        #expect(abs(h.quantile(0.5)! - 0.01) < 1e-12)
        #expect(abs(h.quantile(0.75)! - 0.015) < 1e-12)
        h.observe(1)                           // above every bound
        #expect(h.quantile(1) == 0.04)
    }

    /// An infinite or NaN duration (a clock gone wrong) is counted above every bound and never traps (the
    /// pipeline benchmark crashed merging histograms with +Inf samples).
    @Test func infiniteAndNaNAreCountedNotTrapped() {
        let h = LatencyHistogram(bounds: [0.01])
        for v in [Double.infinity, .nan, -.infinity, 0.005, 1e300] { h.observe(v) }
        let s = h.snapshot()
        #expect(s.count == 5 && s.cumulative[0] == 2)  // 0.005 and -inf fall in the first bucket
        #expect(s.sum.isFinite && s.sum <= 1e9 + 0.005 + 1e-6)
    }

    /// Merging adds buckets, counts (with those above every bound) and sums exactly: the merged quantiles are
    /// those of all the observations in one histogram.
    @Test func mergedHoldsEveryObservation() {
        let bounds = [0.01, 0.02, 0.04]
        let a = LatencyHistogram(bounds: bounds), b = LatencyHistogram(bounds: bounds), all = LatencyHistogram(bounds: bounds)
        for (k, v) in [0.005, 0.015, 0.03, 0.5, 0.012, 0.002, .infinity].enumerated() {
            (k % 2 == 0 ? a : b).observe(v)
            all.observe(v)
        }
        let m = LatencyHistogram.merged([a, b])
        #expect(m.bounds == bounds)
        #expect(m.snapshot().cumulative == all.snapshot().cumulative)
        #expect(m.snapshot().count == 7)
        #expect(abs(m.snapshot().sum - all.snapshot().sum) < 1e-9)
        for q in [0.1, 0.5, 0.9, 0.99] { #expect(m.quantile(q) == all.quantile(q)) }
        #expect(LatencyHistogram.merged([]).snapshot().count == 0)
    }
}
