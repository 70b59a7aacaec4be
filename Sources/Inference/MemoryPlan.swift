/// Offsets of every run-time value in one arena, from value lifetimes: a value's block is reused once
/// its last reader has run. Graph inputs and outputs keep their blocks for the whole run.
///
/// Thread safety: an immutable value.
struct MemoryPlan {
    /// Arena offset (in floats) of each run-time value.
    var offsets: [String: Int]
    /// Arena size in floats.
    var size: Int
    /// Sum of all run-time value sizes (what a plan without reuse would need).
    var unplannedSize: Int

    init(steps: [Step], values: [String: ValueInfo], inputs: [String], outputs: Set<String>) {
        func aligned(_ n: Int) -> Int { (max(n, 1) + 15) & ~15 }
        var lastUse: [String: Int] = [:]
        for (i, s) in steps.enumerated() {
            for name in s.node.inputs where !name.isEmpty && values[name]?.constant == nil {
                lastUse[name] = i
            }
        }
        var free: [(offset: Int, size: Int)] = []
        var end = 0
        var offsets: [String: Int] = [:]
        var total = 0
        func allocate(_ name: String) {
            let n = aligned(values[name]?.count ?? 1)
            total += n
            // Best fit among free blocks, else grow the arena.
            var best = -1
            for (j, b) in free.enumerated() where b.size >= n && (best < 0 || b.size < free[best].size) { best = j }
            if best >= 0 {
                let b = free[best]
                offsets[name] = b.offset
                if b.size == n { free.remove(at: best) } else { free[best] = (b.offset + n, b.size - n) }
            } else {
                offsets[name] = end
                end += n
            }
        }
        func release(_ name: String) {
            guard let o = offsets[name] else { return }
            let n = aligned(values[name]?.count ?? 1)
            free.append((o, n))
            free.sort { $0.offset < $1.offset }
            var merged: [(offset: Int, size: Int)] = []
            for b in free {
                if let last = merged.last, last.offset + last.size == b.offset {
                    merged[merged.count - 1].size += b.size
                } else { merged.append(b) }
            }
            if let last = merged.last, last.offset + last.size == end {
                end = last.offset
                merged.removeLast()
            }
            free = merged
        }
        for name in inputs { allocate(name) }
        var size = end
        for (i, s) in steps.enumerated() {
            for name in s.node.outputs where !name.isEmpty && offsets[name] == nil { allocate(name) }
            size = max(size, end)
            for name in Set(s.node.inputs) where lastUse[name] == i && !outputs.contains(name) && !inputs.contains(name) {
                release(name)
            }
            // An output nobody reads (e.g. an unused second output) is released at once.
            for name in s.node.outputs where !name.isEmpty && lastUse[name] == nil && !outputs.contains(name) {
                release(name)
            }
        }
        self.offsets = offsets
        self.size = max(size, 16)
        self.unplannedSize = total
    }
}
