import Config
import Sinks

extension AlertLogOptions {
    /// Rotation and sync settings from the config's `alerts:` section.
    public init(_ c: AlertsConfig) {
        self.init()
        maxBytes = c.maxBytes
        rotateDaily = c.rotateDaily
        keep = c.keep
        sync = SyncPolicy(rawValue: c.sync) ?? .interval
        syncInterval = c.syncIntervalSeconds
    }
}
