import Synchronization

/// A camera's run-time switches (MQTT `PREFIX/CAMERA/detect/set`, `…/motion/set`): whether its object detector
/// runs and whether its motion alerts go out. The analysis thread reads them once per frame, so a change takes
/// effect on the next frame.
///
/// Thread safety: any thread; each switch is one atomic (relaxed: a flag read once per frame, nothing else is
/// published through it).
public final class CameraSwitches: Sendable {
    private let detectOn = Atomic<Bool>(true)
    private let motionOn = Atomic<Bool>(true)

    public init() {}

    public var detect: Bool {
        get { detectOn.load(ordering: .relaxed) }
        set { detectOn.store(newValue, ordering: .relaxed) }
    }

    public var motion: Bool {
        get { motionOn.load(ordering: .relaxed) }
        set { motionOn.store(newValue, ordering: .relaxed) }
    }
}

/// Every camera's switches by name, kept across reloads and camera restarts (a switch survives them).
///
/// Thread safety: any thread; the table is behind a mutex.
public final class SwitchBoard: Sendable {
    private let table = Mutex<[String: CameraSwitches]>([:])

    public init() {}

    /// The switches of camera `name`, made (both on) the first time.
    public func switches(for name: String) -> CameraSwitches {
        table.withLock { t in
            if let s = t[name] { return s }
            let s = CameraSwitches()
            t[name] = s
            return s
        }
    }
}
