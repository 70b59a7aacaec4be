import TestSupport
import Testing
@testable import Tracking

@Suite struct LinearAssignmentTests {
    /// The optimum by enumerating every (partial) matching.
    static func bruteForce(_ c: [Float], rows: Int, cols: Int, limit: Float?) -> Double {
        var best = Double.infinity
        var usedCols = [Bool](repeating: false, count: cols)
        let half = Double(limit ?? 0) / 2
        func go(_ r: Int, _ sum: Double, _ matched: Int) {
            if r == rows {
                if let _ = limit {
                    best = min(best, sum + half * Double(rows + cols - 2 * matched))
                } else if matched == min(rows, cols) {
                    best = min(best, sum)
                }
                return
            }
            // Leave row r unmatched (always allowed with a limit; without one only if rows > cols).
            if limit != nil || rows > cols { go(r + 1, sum, matched) }
            for j in 0..<cols where !usedCols[j] {
                usedCols[j] = true
                go(r + 1, sum + Double(c[r * cols + j]), matched + 1)
                usedCols[j] = false
            }
        }
        go(0, 0, 0)
        return best
    }

    static func objective(_ c: [Float], rows: Int, cols: Int, limit: Float?, _ a: [Int]) -> Double {
        var sum = 0.0, matched = 0
        for r in 0..<rows where a[r] >= 0 { sum += Double(c[r * cols + a[r]]); matched += 1 }
        if let limit { sum += Double(limit) / 2 * Double(rows + cols - 2 * matched) }
        return sum
    }

    @Test(arguments: [false, true])
    func matchesBruteForceOnRandomMatrices(withLimit: Bool) {
        var rng = SplitMix(seed: withLimit ? 7 : 3)
        var solver = LinearAssignment()  // one solver for every size: its scratch must not leak between calls
        var assignment: [Int] = []
        for trial in 0..<400 {
            let rows = 1 + Int(rng.next() % 6), cols = 1 + Int(rng.next() % 6)
            // Every fourth matrix has small integer costs, so ties are common.
            let c: [Float] = (0..<(rows * cols)).map { _ in trial % 4 == 0 ? Float(rng.next() % 4) : rng.unit() }
            let limit: Float? = withLimit ? (trial % 4 == 0 ? 2.5 : 0.3 + 0.6 * rng.unit()) : nil
            let total = solver.solve(costs: c, rows: rows, cols: cols, costLimit: limit, rowToColumn: &assignment)
            let expected = Self.bruteForce(c, rows: rows, cols: cols, limit: limit)
            #expect(abs(total - expected) < 1e-5, "trial \(trial): \(rows)×\(cols) got \(total), brute force \(expected)")
            // The assignment is a matching, and the objective is what it costs.
            #expect(assignment.count == rows)
            let usedCols = assignment.filter { $0 >= 0 }
            #expect(Set(usedCols).count == usedCols.count)
            #expect(abs(Self.objective(c, rows: rows, cols: cols, limit: limit, assignment) - total) < 1e-5)
            if let limit { #expect(assignment.indices.allSatisfy { assignment[$0] < 0 || c[$0 * cols + assignment[$0]] < limit }) }
            else { #expect(usedCols.count == min(rows, cols)) }
        }
    }

    @Test func knownProblemAndTransposed() {
        var solver = LinearAssignment()
        var a: [Int] = []
        // Greedy (row by row, cheapest column) would pick (0,0)=1 then (1,1)=9; optimal is 2 + 3.
        let c: [Float] = [1, 2,
                          3, 9]
        #expect(solver.solve(costs: c, rows: 2, cols: 2, rowToColumn: &a) == 5)
        #expect(a == [1, 0])
        // 3 rows, 2 columns: one row stays unmatched.
        let t: [Float] = [5, 1,
                          1, 5,
                          0, 0]
        #expect(solver.solve(costs: t, rows: 3, cols: 2, rowToColumn: &a) == 1)
        #expect(a.filter { $0 >= 0 }.count == 2)
        #expect(a[2] >= 0)
        // With a limit of 0.5, a pair costing 0.6 is worth less than leaving both unmatched.
        #expect(solver.solve(costs: [0.6], rows: 1, cols: 1, costLimit: 0.5, rowToColumn: &a) == 0.5)
        #expect(a == [-1])
        #expect(solver.solve(costs: [0.4], rows: 1, cols: 1, costLimit: 0.5, rowToColumn: &a) == Double(Float(0.4)))
        #expect(a == [0])
        #expect(solver.solve(costs: [], rows: 2, cols: 0, costLimit: 1, rowToColumn: &a) == 1)
        #expect(a == [-1, -1])
    }

    @Test func componentSplitEqualsWholeMatrix() {
        // BoxAssociation solves connected components separately; the objective must equal the whole
        // problem's optimum solved at once.
        var rng = SplitMix(seed: 11)
        var association = BoxAssociation()
        var solver = LinearAssignment()
        var whole: [Int] = []
        for trial in 0..<200 {
            association.removeAll()
            let nr = Int(rng.next() % 12), nc = Int(rng.next() % 12)
            for _ in 0..<nr { association.rowBoxes.append(det(rng.uniform(0, 300), rng.uniform(0, 100), w: 40, h: 60).box) }
            for _ in 0..<nc { association.colBoxes.append(det(rng.uniform(0, 300), rng.uniform(0, 100), w: 40, h: 60).box) }
            let minIOU: Float = trial % 2 == 0 ? 0.2 : 0.5
            association.solve(minIOU: minIOU)
            let costs = association.rowBoxes.flatMap { r in association.colBoxes.map { 1 - r.iou($0) } }
            let limit = 1 - minIOU
            let best = solver.solve(costs: costs, rows: nr, cols: nc, costLimit: limit, rowToColumn: &whole)
            let got = Self.objective(costs, rows: nr, cols: nc, limit: limit, association.rowToColumn)
            #expect(abs(got - best) < 1e-4, "trial \(trial)")
            let used = association.rowToColumn.filter { $0 >= 0 }
            #expect(Set(used).count == used.count)
            #expect(association.rowToColumn.indices.allSatisfy {
                association.rowToColumn[$0] < 0 || association.rowBoxes[$0].iou(association.colBoxes[association.rowToColumn[$0]]) >= minIOU
            })
        }
    }
}
