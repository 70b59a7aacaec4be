import Config

/// What a config reload does to the running cameras, decided before anything changes: which stop, start,
/// restart (stop, then start with the new options) or take new settings in place. Pure: depends only on the
/// new config and what runs.
///
/// Thread safety: a plain value.
struct ReloadPlan {
    var added: [String] = [], removed: [String] = [], restarted: [String] = [], updated: [String] = []
    var toStop: [LiveCamera] = []
    /// Sorted by name.
    var toStart: [CameraConfig] = []
    var toUpdate: [(LiveCamera, CameraSettings)] = []

    /// `running`: the cameras by name; `options`: how a camera of `new` would be opened (the daemon adds its own
    /// test knobs).
    init(new: VigilConfig, running: [String: LiveCamera], options: (CameraConfig) -> LiveCameraOptions) {
        let wanted = Dictionary(uniqueKeysWithValues: new.cameras.filter(\.enabled).map { ($0.name, $0) })
        for (name, live) in running where wanted[name] == nil {
            toStop.append(live)
            removed.append(name)
        }
        for (name, cam) in wanted {
            guard let live = running[name] else { toStart.append(cam); added.append(name); continue }
            let settings = CameraSettings(cam, config: new)
            if options(cam) != live.options {
                toStop.append(live)
                toStart.append(cam)
                restarted.append(name)
            } else if settings != live.currentSettings {
                toUpdate.append((live, settings))
                updated.append(name)
            }
        }
        toStart.sort { $0.name < $1.name }
    }
}
