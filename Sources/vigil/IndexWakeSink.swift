import API
import Sinks
import Synchronization

/// The API's place in the daemon's alert fan-out: every published alert (already in the log, which the hub
/// writes first) wakes the event indexer, so the index and the live stream have it at once rather than at the
/// next poll. Its own bounded queue and drop counter come from the hub (`vigil_sink_*{sink="api"}`); a drop
/// loses nothing, as the indexer reads the log anyway at its next poll.
///
/// Thread safety: `receive` on the hub's thread for this sink; `point` from the API service's thread.
final class IndexWakeSink: EventSink {
    private let indexer = Mutex<EventIndexer?>(nil)

    /// The indexer to wake (a reload may replace it).
    func point(at i: EventIndexer?) { indexer.withLock { $0 = i } }

    func receive(_ event: SinkEvent) {
        guard case .alert = event else { return }
        indexer.withLock { $0 }?.wake()
    }
}
