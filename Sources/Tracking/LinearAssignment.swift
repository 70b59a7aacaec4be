/// Optimal linear assignment (minimum total cost) with the shortest-augmenting-path form of the
/// Hungarian method (Kuhn–Munkres with row/column potentials; the augmentation phase of Jonker and
/// Volgenant, without their initialisation heuristics): O(n²·m) for n ≤ m, exact, deterministic.
///
/// With a `costLimit`, it solves what `lap.lapjv(cost, extend_cost=True, cost_limit=L)` solves (the
/// association step of ByteTrack): every row and every column may also stay unmatched at a price of
/// `L / 2` each, so a pair is only worth matching when its cost is below `L`; pairs whose cost is `≥ L`
/// are never reported.
///
/// The solver keeps its working arrays between calls, so solving problems no larger than before does
/// not allocate.
///
/// Thread safety: a value type; one owner calls `solve` at a time (it mutates its scratch arrays).
public struct LinearAssignment: Sendable {
    private enum Mode { case plain, transposed, extended }

    private var u: [Double] = []
    private var v: [Double] = []
    private var minv: [Double] = []
    private var p: [Int] = []
    private var way: [Int] = []
    private var used: [Bool] = []

    public init() {}

    /// Solves the problem for a `rows × cols` matrix in row-major order.
    /// - Parameters:
    ///   - costs: `rows * cols` finite costs, row-major.
    ///   - costLimit: when given, rows and columns may stay unmatched at `costLimit / 2` each.
    ///   - rowToColumn: receives, for each row, its column or -1 (resized to `rows`).
    /// - Returns: the objective: the sum of the matched costs, plus `costLimit / 2` for every unmatched
    ///   row and column when a limit is given.
    @discardableResult
    public mutating func solve(costs: [Float], rows: Int, cols: Int, costLimit: Float? = nil,
                               rowToColumn: inout [Int]) -> Double {
        precondition(costs.count >= rows * cols, "costs holds fewer than rows * cols entries")
        return costs.withUnsafeBufferPointer {
            solve(costs: $0, rows: rows, cols: cols, costLimit: costLimit, rowToColumn: &rowToColumn)
        }
    }

    /// Solves the problem for a `rows × cols` matrix in row-major order (see the array form).
    @discardableResult
    public mutating func solve(costs: UnsafeBufferPointer<Float>, rows: Int, cols: Int, costLimit: Float? = nil,
                               rowToColumn: inout [Int]) -> Double {
        precondition(rows >= 0 && cols >= 0 && costs.count >= rows * cols)
        if rowToColumn.count != rows {
            rowToColumn.removeAll(keepingCapacity: true)
            rowToColumn.append(contentsOf: repeatElement(-1, count: rows))
        } else {
            for i in 0..<rows { rowToColumn[i] = -1 }
        }
        let half = Double(costLimit ?? 0) / 2
        if rows == 0 || cols == 0 {
            return costLimit == nil ? 0 : half * Double(rows + cols)
        }
        let mode: Mode
        let n: Int, m: Int
        if costLimit != nil {
            mode = .extended; n = rows + cols; m = rows + cols
        } else if rows <= cols {
            mode = .plain; n = rows; m = cols
        } else {
            mode = .transposed; n = cols; m = rows
        }
        runHungarian(costs, rows: rows, cols: cols, n: n, m: m, mode: mode, half: half)

        // p[j] is the (1-based) row of the solved matrix assigned to column j.
        var total = 0.0
        var matched = 0
        for j in 1...m {
            let i = p[j]
            guard i != 0 else { continue }
            let r: Int, c: Int
            switch mode {
            case .plain, .extended: r = i - 1; c = j - 1
            case .transposed: r = j - 1; c = i - 1
            }
            guard r < rows, c < cols else { continue }
            let x = costs[r * cols + c]
            if let limit = costLimit, x >= limit { continue }
            rowToColumn[r] = c
            total += Double(x)
            matched += 1
        }
        if costLimit != nil { total += half * Double(rows + cols - 2 * matched) }
        return total
    }

    @inline(__always)
    private static func cost(_ a: UnsafeBufferPointer<Float>, _ i: Int, _ j: Int, rows: Int, cols: Int,
                             mode: Mode, half: Double) -> Double {
        switch mode {
        case .plain: return Double(a[i * cols + j])
        case .transposed: return Double(a[j * cols + i])
        case .extended:
            if i < rows { return j < cols ? Double(a[i * cols + j]) : half }
            return j < cols ? half : 0
        }
    }

    private mutating func prepare(_ count: Int) {
        func fit<T>(_ a: inout [T], _ value: T) {
            if a.count < count { a.append(contentsOf: repeatElement(value, count: count - a.count)) }
            for k in 0..<count { a[k] = value }
        }
        fit(&u, 0); fit(&v, 0); fit(&minv, 0); fit(&p, 0); fit(&way, 0); fit(&used, false)
    }

    /// The classic potential-based Hungarian method, 1-based (index 0 is the virtual start column).
    private mutating func runHungarian(_ a: UnsafeBufferPointer<Float>, rows: Int, cols: Int, n: Int, m: Int,
                                       mode: Mode, half: Double) {
        prepare(max(n, m) + 1)
        let inf = Double.infinity
        for i in 1...n {
            p[0] = i
            var j0 = 0
            for j in 0...m { minv[j] = inf; used[j] = false }
            repeat {
                used[j0] = true
                let i0 = p[j0]
                var delta = inf
                var j1 = 0
                let ui0 = u[i0]
                for j in 1...m where !used[j] {
                    let cur = Self.cost(a, i0 - 1, j - 1, rows: rows, cols: cols, mode: mode, half: half) - ui0 - v[j]
                    if cur < minv[j] { minv[j] = cur; way[j] = j0 }
                    if minv[j] < delta { delta = minv[j]; j1 = j }
                }
                for j in 0...m {
                    if used[j] { u[p[j]] += delta; v[j] -= delta } else { minv[j] -= delta }
                }
                j0 = j1
            } while p[j0] != 0
            repeat {
                let j1 = way[j0]
                p[j0] = p[j1]
                j0 = j1
            } while j0 != 0
        }
    }
}
