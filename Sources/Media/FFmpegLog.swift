import CFFmpeg
#if canImport(Glibc)
import Glibc
#endif

/// FFmpeg's own console chatter. Vigil reports problems itself (counters, error events), so FFmpeg is quiet
/// unless `VIGIL_FFMPEG_LOG` names a level (`error`, `warning`, `info`, `debug`).
public enum FFmpegLog {
    public static func configureFromEnvironment() {
        let name = getenv("VIGIL_FFMPEG_LOG").map { String(cString: $0) } ?? "quiet"
        let level: Int32 = switch name {
        case "error": AV_LOG_ERROR
        case "warning": AV_LOG_WARNING
        case "info": AV_LOG_INFO
        case "debug": AV_LOG_DEBUG
        default: AV_LOG_QUIET
        }
        av_log_set_level(level)
    }
}
