import VigilCore

/// IoU association of two box lists by optimal assignment, as ByteTrack does it: cost `1 − IoU`, a pair
/// is admissible when its IoU reaches `minIOU`, and the solution is `lap.lapjv(cost, extend_cost=True,
/// cost_limit=1 − minIOU)` (each unmatched box costs half the limit).
///
/// Boxes that share no admissible pair cannot influence each other's assignment, so the problem is split
/// into connected components of the admissible-pair graph and each is solved on its own: in a scene the
/// components are a handful of boxes, which keeps the cubic solver cheap at hundreds of objects. The
/// result equals solving the whole matrix at once.
///
/// Thread safety: a value type; one owner calls `solve` at a time (it mutates its scratch arrays).
struct BoxAssociation: Sendable {
    /// Inputs: filled by the caller before `solve`.
    var rowBoxes: [Box] = []
    var colBoxes: [Box] = []
    /// Output: for each row, its column or -1.
    private(set) var rowToColumn: [Int] = []

    // Scratch.
    private var edgeRow: [Int] = []
    private var edgeCol: [Int] = []
    private var edgeCost: [Float] = []
    private var parent: [Int] = []
    private var component: [Int] = []
    private var componentStart: [Int] = []
    private var members: [Int] = []
    private var edgeOrder: [Int] = []
    private var edgeStart: [Int] = []
    private var cursor: [Int] = []
    private var local: [Int] = []
    private var costs: [Float] = []
    private var localAssignment: [Int] = []
    private var solver = LinearAssignment()
    private var index = SweepIndex()

    init() {}

    mutating func removeAll() {
        rowBoxes.removeAll(keepingCapacity: true)
        colBoxes.removeAll(keepingCapacity: true)
    }

    private mutating func find(_ x: Int) -> Int {
        var r = x
        while parent[r] != r { r = parent[r] }
        var y = x
        while parent[y] != r { let next = parent[y]; parent[y] = r; y = next }
        return r
    }

    private static func reset<T>(_ a: inout [T], count: Int, to value: T) {
        a.removeAll(keepingCapacity: true)
        a.append(contentsOf: repeatElement(value, count: count))
    }

    mutating func solve(minIOU: Float) {
        let limit = 1 - minIOU
        solve(limit: limit, reach: { _ in 0 }) { a, b in
            let iou = a.iou(b)
            guard iou > 0, iou >= minIOU else { return nil }
            return 1 - iou
        }
    }

    /// Association by where the boxes are rather than how much they overlap, for objects small or fast enough
    /// that a predicted box no longer overlaps the next detection (a walker 25 px wide that was missed for a few
    /// frames): a pair is admissible when the distance between the centres is at most `maxDistance` times the
    /// row box's height and the heights differ by less than a factor `maxSizeRatio`; the cost is the distance
    /// over the allowed one (0…1, limit 1).
    mutating func solve(maxDistance: Float, maxSizeRatio: Float) {
        solve(limit: 1, reach: { maxDistance * $0.height }) { a, b in
            let reach = maxDistance * a.height
            let dx = a.centerX - b.centerX, dy = a.centerY - b.centerY
            let d = (dx * dx + dy * dy).squareRoot()
            guard reach > 0, d <= reach, b.height > 0,
                  max(a.height / b.height, b.height / a.height) < maxSizeRatio else { return nil }
            return d / reach
        }
    }

    /// The optimal assignment among the admissible pairs: `cost` nil means not admissible, a cost must be
    /// below `limit`; `reach` widens a row box's horizontal extent for the candidate search.
    private mutating func solve(limit: Float, reach: (Box) -> Float, cost: (Box, Box) -> Float?) {
        let nr = rowBoxes.count, nc = colBoxes.count
        Self.reset(&rowToColumn, count: nr, to: -1)
        guard nr > 0, nc > 0 else { return }
        findAdmissiblePairs(limit: limit, reach: reach, cost: cost)
        guard !edgeRow.isEmpty else { return }
        let count = groupByComponent()
        for k in 0..<count where edgeStart[k + 1] > edgeStart[k] { solveComponent(k, limit: limit) }
    }

    /// Admissible pairs (`edgeRow`, `edgeCol`, `edgeCost`) and the components they make (union-find over rows
    /// 0..<nr and columns nr..<nr+nc, in `parent`).
    private mutating func findAdmissiblePairs(limit: Float, reach: (Box) -> Float, cost pairCost: (Box, Box) -> Float?) {
        let nr = rowBoxes.count, nc = colBoxes.count
        edgeRow.removeAll(keepingCapacity: true)
        edgeCol.removeAll(keepingCapacity: true)
        edgeCost.removeAll(keepingCapacity: true)
        parent.removeAll(keepingCapacity: true)
        parent.append(contentsOf: 0..<(nr + nc))
        index.rebuild(count: nc) { colBoxes[$0] }
        for r in 0..<nr {
            let a = rowBoxes[r]
            let wide = reach(a)
            for position in index.range(overlapping: a.x1 - wide, a.x2 + wide) {
                let c = index.order[position]
                guard let cost = pairCost(a, colBoxes[c]), cost < limit else { continue }
                edgeRow.append(r); edgeCol.append(c); edgeCost.append(cost)
                let x = find(r), y = find(nr + c)
                if x != y { if x < y { parent[y] = x } else { parent[x] = y } }
            }
        }
    }

    /// Dense component numbers in order of first appearance; members and edges grouped by component
    /// (counting sorts, stable, so everything stays in index order). Returns the number of components.
    private mutating func groupByComponent() -> Int {
        let n = rowBoxes.count + colBoxes.count, ne = edgeRow.count
        Self.reset(&component, count: n, to: -1)
        var count = 0
        for node in 0..<n {
            let root = find(node)
            if component[root] < 0 { component[root] = count; count += 1 }
            component[node] = component[root]
        }
        Self.reset(&componentStart, count: count + 1, to: 0)
        for node in 0..<n { componentStart[component[node] + 1] += 1 }
        for k in 0..<count { componentStart[k + 1] += componentStart[k] }
        Self.reset(&cursor, count: count, to: 0)
        for k in 0..<count { cursor[k] = componentStart[k] }
        Self.reset(&members, count: n, to: 0)
        Self.reset(&local, count: n, to: 0)
        for node in 0..<n {
            let k = component[node]
            members[cursor[k]] = node
            cursor[k] += 1
        }
        Self.reset(&edgeStart, count: count + 1, to: 0)
        for e in 0..<ne { edgeStart[component[edgeRow[e]] + 1] += 1 }
        for k in 0..<count { edgeStart[k + 1] += edgeStart[k] }
        for k in 0..<count { cursor[k] = edgeStart[k] }
        Self.reset(&edgeOrder, count: ne, to: 0)
        for e in 0..<ne {
            let k = component[edgeRow[e]]
            edgeOrder[cursor[k]] = e
            cursor[k] += 1
        }
        return count
    }

    /// The optimal assignment of component `k` (one that has edges), written into `rowToColumn`.
    private mutating func solveComponent(_ k: Int, limit: Float) {
        let nr = rowBoxes.count
        // Local numbering: rows and columns in index order (members are sorted by node).
        var rows = 0, cols = 0
        for m in componentStart[k]..<componentStart[k + 1] {
            let node = members[m]
            if node < nr { local[node] = rows; rows += 1 } else { local[node] = cols; cols += 1 }
        }
        let first = edgeStart[k], last = edgeStart[k + 1]
        if last - first == 1 {
            let e = edgeOrder[first]
            rowToColumn[edgeRow[e]] = edgeCol[e]
            return
        }
        Self.reset(&costs, count: rows * cols, to: 1)
        for i in first..<last {
            let e = edgeOrder[i]
            costs[local[edgeRow[e]] * cols + local[nr + edgeCol[e]]] = edgeCost[e]
        }
        solver.solve(costs: costs, rows: rows, cols: cols, costLimit: limit, rowToColumn: &localAssignment)
        // Map local indices back.
        var rowOf = 0
        var colBase = componentStart[k]
        while colBase < componentStart[k + 1], members[colBase] < nr { colBase += 1 }
        for m in componentStart[k]..<componentStart[k + 1] where members[m] < nr {
            let lc = localAssignment[rowOf]
            if lc >= 0 { rowToColumn[members[m]] = members[colBase + lc] - nr }
            rowOf += 1
        }
    }
}
