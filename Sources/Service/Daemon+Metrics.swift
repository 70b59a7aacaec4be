import Foundation
import Recording
import Synchronization
import VigilCore
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's Prometheus text (`/metrics`): per camera, detection and inference, latencies, alerts and sinks,
/// the daemon itself.
extension Daemon {
    /// The Prometheus text of every camera and the daemon.
    public func renderMetrics() -> String {
        let (cams, rates) = lock.withLock { (cameras, fps) }
        var p = PrometheusText()
        renderCameraCounters(&p, cams, rates)
        renderDetection(&p, cams)
        renderLatencies(&p, cams)
        renderAlertsAndDaemon(&p, cameraCount: cams.count)
        return p.text
    }

    /// The per-camera counters and gauges read from a camera's atomics: one row per family.
    static let cameraFamilies: [(name: String, type: String, help: String, value: @Sendable (LiveCamera) -> Int)] = [
        ("vigil_frames_decoded_total", "counter", "Frames decoded.", { $0.metrics.framesDecoded.load(ordering: .relaxed) }),
        ("vigil_frames_analyzed_total", "counter", "Frames analysed.", { $0.metrics.framesAnalyzed.load(ordering: .relaxed) }),
        ("vigil_frames_skipped_total", "counter", "Frames decoded but not analysed (detect.fps decimation).",
         { $0.metrics.framesSkipped.load(ordering: .relaxed) }),
        ("vigil_frames_dropped_total", "counter", "Frames dropped because analysis fell behind (ring full).",
         { $0.metrics.framesDropped.load(ordering: .relaxed) }),
        ("vigil_frames_not_decoded_total", "counter",
         "Of the skipped frames, those not decoded at all (non-reference frames, skip_frame).",
         { $0.metrics.framesNotDecoded.load(ordering: .relaxed) }),
        ("vigil_frames_future_dated_total", "counter",
         "Analysed frames whose sender wall clock lies after ours (left out of the glass-to-* histograms).",
         { $0.metrics.framesFutureDated.load(ordering: .relaxed) }),
        ("vigil_stream_reconnects_total", "counter", "Connection attempts after the first.",
         { $0.metrics.reconnects.load(ordering: .relaxed) }),
        ("vigil_stream_up", "gauge", "1 while the stream delivers frames.", { $0.metrics.up.load(ordering: .relaxed) }),
        ("vigil_ring_frames", "gauge", "Frames waiting for analysis in the camera's ring.",
         { $0.metrics.ringOccupancy.load(ordering: .relaxed) }),
        ("vigil_ring_capacity_frames", "gauge", "Capacity of the camera's ring.", { $0.metrics.ringCapacity.load(ordering: .relaxed) }),
        ("vigil_detector_frames_total", "counter", "Frames the object detector ran on.",
         { $0.metrics.detectorFrames.load(ordering: .relaxed) }),
        ("vigil_snapshots_written_total", "counter", "Alert snapshots written.", { $0.metrics.snapshotsWritten.load(ordering: .relaxed) }),
        ("vigil_snapshot_errors_total", "counter", "Alert snapshots that could not be written.",
         { $0.metrics.snapshotErrors.load(ordering: .relaxed) }),
        ("vigil_record_clips_total", "counter", "Event clips started.", { $0.recording.clipsStarted.load(ordering: .relaxed) }),
        ("vigil_record_segments_total", "counter", "Continuous segments started.",
         { $0.recording.segmentsStarted.load(ordering: .relaxed) }),
        ("vigil_record_bytes_total", "counter", "Packet bytes written to recordings.", { $0.recording.bytesWritten.load(ordering: .relaxed) }),
        ("vigil_record_queue_drops_total", "counter", "Packets dropped: the recording writer's queue was full.",
         { $0.recording.queueDrops.load(ordering: .relaxed) }),
        ("vigil_record_disk_full_drops_total", "counter", "Packets not recorded because the disk was full.",
         { $0.recording.diskFullDrops.load(ordering: .relaxed) }),
        ("vigil_record_disk_full", "gauge", "1 while recording is stopped for a full disk.",
         { $0.recording.diskFull.load(ordering: .relaxed) }),
        ("vigil_record_write_errors_total", "counter", "Recording files abandoned on write errors.",
         { $0.recording.writeErrors.load(ordering: .relaxed) }),
        ("vigil_record_files_deleted_total", "counter", "Recordings deleted by retention.",
         { $0.recording.filesDeleted.load(ordering: .relaxed) }),
        ("vigil_record_preroll_bytes", "gauge", "Bytes of compressed packets held as pre-roll.",
         { $0.preRoll.bytesHeld.load(ordering: .relaxed) }),
    ]

    private func renderCameraCounters(_ p: inout PrometheusText, _ cams: [String: LiveCamera],
                                      _ rates: [String: (decoded: Double, analyzed: Double)]) {
        let names = cams.keys.sorted()
        for f in Daemon.cameraFamilies {
            p.family(f.name, f.type, help: f.help)
            for n in names { p.sample(f.name, [("camera", n)], f.value(cams[n]!)) }
        }
        typealias Rate = (decoded: Double, analyzed: Double)
        let perSecond: [(String, String, (Rate) -> Double)] = [
            ("vigil_decode_frames_per_second", "Decoded frames per second over the last second.", { $0.decoded }),
            ("vigil_analysis_frames_per_second", "Analysed frames per second over the last second.", { $0.analyzed }),
        ]
        for (name, help, rate) in perSecond {
            p.family(name, "gauge", help: help)
            for n in names { p.sample(name, [("camera", n)], rates[n].map(rate) ?? 0) }
        }
        p.family("vigil_stage_cpu_seconds_total", "counter", help: "CPU time per pipeline stage (thread CPU clocks).")
        for n in names {
            let st = cams[n]!.metrics.stages
            for stage in StageTimes.Stage.allCases {
                p.sample("vigil_stage_cpu_seconds_total", [("camera", n), ("stage", stage.name)], st.seconds(stage))
            }
        }
    }

    private func renderDetection(_ p: inout PrometheusText, _ cams: [String: LiveCamera]) {
        let names = cams.keys.sorted()
        p.family("vigil_detect_passes_total", "counter",
                 help: "Analysed frames by where the detector looked (full_frame, regions; gated without inference: no_motion, or tracked: what moved was held by tracks).")
        for n in names {
            guard let s = cams[n]!.detectionStats else { continue }
            p.sample("vigil_detect_passes_total", [("camera", n), ("kind", "full_frame")], s.fullFramePasses)
            p.sample("vigil_detect_passes_total", [("camera", n), ("kind", "regions")], s.regionPasses)
            p.sample("vigil_detect_passes_total", [("camera", n), ("kind", "no_motion")], s.noMotionFrames)
            p.sample("vigil_detect_passes_total", [("camera", n), ("kind", "tracked")], s.trackedFrames)
        }
        p.family("vigil_detect_regions_total", "counter", help: "Motion regions the detector searched.")
        for n in names { if let s = cams[n]!.detectionStats { p.sample("vigil_detect_regions_total", [("camera", n)], s.regionsSearched) } }
        let pool = inference.stats
        p.family("vigil_inference_slots", "gauge", help: "Inferences the shared pool runs at once at most (detect.max_in_flight).")
        p.sample("vigil_inference_slots", [], pool.capacity)
        p.family("vigil_inference_in_flight", "gauge", help: "Inferences running now.")
        p.sample("vigil_inference_in_flight", [], pool.inFlight)
        p.family("vigil_inference_in_flight_peak", "gauge", help: "Most inferences that ran at once.")
        p.sample("vigil_inference_in_flight_peak", [], pool.peakInFlight)
        p.family("vigil_inferences_total", "counter", help: "Inferences run by the shared pool.")
        p.sample("vigil_inferences_total", [], pool.inferences)
        p.family("vigil_inference_waits_total", "counter", help: "Inferences that waited for a free slot.")
        p.sample("vigil_inference_waits_total", [], pool.waits)
        p.family("vigil_inference_seconds", "histogram", help: "One inference: letterbox, model, decoding, NMS.")
        p.histogram("vigil_inference_seconds", [], pool.latency)
        let modelBanks = lock.withLock { banks }
        p.family("vigil_detector_inference_seconds", "histogram", help: "One inference, by model.")
        for key in modelBanks.keys.sorted() {
            let b = modelBanks[key]!
            for (m, h) in zip(b.models, b.latency) { p.histogram("vigil_detector_inference_seconds", [("model", m.name)], h) }
        }
    }

    private func renderLatencies(_ p: inout PrometheusText, _ cams: [String: LiveCamera]) {
        let names = cams.keys.sorted()
        p.family("vigil_analysis_duration_seconds", "histogram", help: "Time to analyse one frame.")
        for n in names { p.histogram("vigil_analysis_duration_seconds", [("camera", n)], cams[n]!.metrics.analysisSeconds) }
        p.family("vigil_frame_latency_seconds", "histogram",
                 help: "From a frame leaving the decoder to its analysis done and alerts written.")
        for n in names { p.histogram("vigil_frame_latency_seconds", [("camera", n)], cams[n]!.metrics.frameLatencySeconds) }
        p.family("vigil_glass_to_analysed_seconds", "histogram",
                 help: "From the sender's wall clock of a frame (RTCP) to its analysis done and alerts written.")
        for n in names { p.histogram("vigil_glass_to_analysed_seconds", [("camera", n)], cams[n]!.metrics.glassToAnalysedSeconds) }
        p.family("vigil_glass_to_alert_seconds", "histogram",
                 help: "From the sender's wall clock of a frame (RTCP) to the alerts it caused written.")
        for n in names { p.histogram("vigil_glass_to_alert_seconds", [("camera", n)], cams[n]!.metrics.glassToAlertSeconds) }
    }

    private func renderAlertsAndDaemon(_ p: inout PrometheusText, cameraCount: Int) {
        p.family("vigil_alerts_total", "counter", help: "Alerts written, by event.")
        for (event, count) in hub.alertsByEvent.sorted(by: { $0.key < $1.key }) {
            p.sample("vigil_alerts_total", [("event", event)], count)
        }
        p.family("vigil_alerts_dropped_total", "counter", help: "Alerts the sink could not write.")
        p.sample("vigil_alerts_dropped_total", [], hub.droppedTotal)
        let sinks = hub.sinkStats
        p.family("vigil_sink_queue_depth", "gauge", help: "Events waiting in an alert sink's queue.")
        for s in sinks { p.sample("vigil_sink_queue_depth", [("sink", s.name)], s.queued) }
        p.family("vigil_sink_queue_capacity", "gauge", help: "Capacity of an alert sink's queue.")
        for s in sinks { p.sample("vigil_sink_queue_capacity", [("sink", s.name)], s.capacity) }
        p.family("vigil_sink_delivered_total", "counter", help: "Events handed to an alert sink.")
        for s in sinks { p.sample("vigil_sink_delivered_total", [("sink", s.name)], s.delivered) }
        p.family("vigil_sink_dropped_total", "counter", help: "Events an alert sink's full queue let go.")
        for s in sinks { p.sample("vigil_sink_dropped_total", [("sink", s.name)], s.dropped) }
        p.family("vigil_config_reloads_total", "counter", help: "Config reloads (SIGHUP), by result.")
        p.sample("vigil_config_reloads_total", [("result", "ok")], reloadsOK.load(ordering: .relaxed))
        p.sample("vigil_config_reloads_total", [("result", "error")], reloadsFailed.load(ordering: .relaxed))
        p.family("vigil_cameras", "gauge", help: "Cameras running.")
        p.sample("vigil_cameras", [], cameraCount)
        extraMetrics?(&p)
        p.family("process_resident_memory_bytes", "gauge", help: "Resident memory of the process.")
        p.sample("process_resident_memory_bytes", [], Daemon.residentBytes())
    }

    /// Current resident set size, from /proc/self/statm.
    public static func residentBytes() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = s.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE)))
    }
}
