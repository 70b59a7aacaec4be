/// Offsets of every run-time value in one arena, from value lifetimes: a value's block is reused once
/// its last reader has run. Graph inputs and outputs keep their blocks for the whole run.
///
/// Views: a value may live inside another one's block (`views`: value → root and offset), so that a copy
/// disappears. The inputs of a channel Concat are written by their producers straight into their place in
/// the Concat's output, the outputs of a channel Split are read where they lie in its input (and a Split
/// whose outputs all went into one Concat side by side has its input put there), and a Reshape
/// (Flatten, Squeeze, Unsqueeze, Identity) output is its input. A root's block lives from the first
/// definition of anything in it to the last read of anything in it; the movement kernels skip a copy whose
/// source and destination are the same place.
///
/// Thread safety: an immutable value.
struct MemoryPlan {
    typealias View = (root: String, offset: Int)

    /// The views a graph allows: each value has at most one parent, chains are followed to the root. Graph
    /// inputs and outputs and constants are never views nor roots; a Concat or Split whose axis has
    /// anything but 1 before it (the pieces are not contiguous) gets none; a value that appears twice in
    /// one Concat, or already lives in another Concat, stays a copy there.
    static func views(steps: [Step], values: [String: ValueInfo], inputs: Set<String>,
                      outputs: Set<String>) -> [String: View] {
        var produced = Set<String>()
        for s in steps { for o in s.node.outputs where !o.isEmpty { produced.insert(o) } }
        func eligible(_ n: String) -> Bool {
            !n.isEmpty && produced.contains(n) && values[n]?.constant == nil && !inputs.contains(n) && !outputs.contains(n)
        }
        var parent: [String: View] = [:]
        // Concats first: their inputs are the values that would otherwise be copied twice (Split → Concat).
        for s in steps {
            guard let c = s.kernel as? ConcatKernel, c.outer == 1, let out = s.node.outputs.first, eligible(out)
            else { continue }
            var offset = 0
            for (i, name) in s.node.inputs.enumerated() {
                defer { offset += c.blocks[i] }
                guard eligible(name), parent[name] == nil, name != out,
                      s.node.inputs.lazy.filter({ $0 == name }).count == 1 else { continue }
                parent[name] = (out, offset)
            }
        }
        // A Split whose outputs all landed side by side, in order, in one Concat (YOLO's C2f: Split → … →
        // Concat(y0, y1, …)): its input goes there too, and the Split copies nothing.
        for s in steps {
            guard let sp = s.kernel as? SplitKernel, sp.outer == 1, let x = s.node.inputs.first, eligible(x),
                  parent[x] == nil, let first = s.node.outputs.first.flatMap({ parent[$0] }) else { continue }
            var offset = first.offset
            let inPlace = s.node.outputs.indices.allSatisfy { i in
                defer { offset += sp.blocks[i] }
                guard let p = parent[s.node.outputs[i]] else { return false }
                return p.root == first.root && p.offset == offset
            }
            if inPlace { parent[x] = (first.root, first.offset) }
        }
        for s in steps {
            if let sp = s.kernel as? SplitKernel, sp.outer == 1, let x = s.node.inputs.first, eligible(x) {
                var offset = 0
                for (i, name) in s.node.outputs.enumerated() {
                    defer { offset += sp.blocks[i] }
                    if eligible(name) && parent[name] == nil { parent[name] = (x, offset) }
                }
            } else if s.kernel is ReshapeKernel, let x = s.node.inputs.first, let y = s.node.outputs.first,
                      eligible(x), eligible(y), parent[y] == nil, values[x]?.count == values[y]?.count {
                parent[y] = (x, 0)
            }
        }
        // Follow the chains (a tree: a parent is always defined after or before its member, never both).
        var resolved: [String: View] = [:]
        for name in parent.keys {
            var root = name, offset = 0
            var hops = 0
            while let p = parent[root], hops <= parent.count {
                root = p.root
                offset += p.offset
                hops += 1
            }
            resolved[name] = (root, offset)
        }
        return resolved
    }

    /// Arena offset (in floats) of each run-time value.
    var offsets: [String: Int]
    /// Arena size in floats.
    var size: Int
    /// Sum of all run-time value sizes (what a plan without reuse would need).
    var unplannedSize: Int

    init(steps: [Step], values: [String: ValueInfo], inputs: [String], outputs: Set<String>,
         views: [String: View] = [:]) {
        func aligned(_ n: Int) -> Int { (max(n, 1) + 15) & ~15 }
        func root(_ name: String) -> String { views[name]?.root ?? name }
        var lastUse: [String: Int] = [:]
        for (i, s) in steps.enumerated() {
            for name in s.node.inputs where !name.isEmpty && values[name]?.constant == nil {
                lastUse[root(name)] = i
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
            for name in s.node.outputs where !name.isEmpty && offsets[name] == nil {
                if let v = views[name] {
                    // The root's block comes with the first value defined in it.
                    if offsets[v.root] == nil { allocate(v.root) }
                    offsets[name] = offsets[v.root]! + v.offset
                } else {
                    allocate(name)
                }
            }
            size = max(size, end)
            for name in Set(s.node.inputs.map(root)) where lastUse[name] == i && !outputs.contains(name) && !inputs.contains(name) {
                release(name)
            }
            // An output nobody reads (e.g. an unused second output) is released at once.
            for name in s.node.outputs where !name.isEmpty && views[name] == nil && lastUse[name] == nil && !outputs.contains(name) {
                release(name)
            }
        }
        self.offsets = offsets
        self.size = max(size, 16)
        self.unplannedSize = total
    }
}
