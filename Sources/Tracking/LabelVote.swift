/// Majority vote over the classes of a track's matched detections. Keeps up to four classes; a fifth
/// replaces the one with the fewest votes (the vote is about the dominant class, not a histogram).
/// Ties go to the class seen first.
///
/// Thread safety: a value type; no shared state.
struct LabelVote: Sendable {
    private var classes = InlineArray<4, Int>(repeating: 0)
    private var labels = InlineArray<4, String>(repeating: "")
    private var votes = InlineArray<4, Int>(repeating: 0)
    private var count = 0

    init(classIndex: Int, label: String) {
        add(classIndex: classIndex, label: label)
    }

    mutating func add(classIndex: Int, label: String) {
        for k in 0..<count where classes[k] == classIndex && labels[k] == label {
            votes[k] += 1
            return
        }
        if count < 4 {
            classes[count] = classIndex; labels[count] = label; votes[count] = 1
            count += 1
            return
        }
        var weakest = 0
        for k in 1..<count where votes[k] < votes[weakest] { weakest = k }
        // Keep the order of first sighting: shift the newcomer to the end.
        var k = weakest
        while k < count - 1 {
            classes[k] = classes[k + 1]; labels[k] = labels[k + 1]; votes[k] = votes[k + 1]
            k += 1
        }
        classes[count - 1] = classIndex; labels[count - 1] = label; votes[count - 1] = 1
    }

    var winner: (classIndex: Int, label: String) {
        var best = 0
        for k in 1..<max(count, 1) where votes[k] > votes[best] { best = k }
        return (classes[best], labels[best])
    }
}
