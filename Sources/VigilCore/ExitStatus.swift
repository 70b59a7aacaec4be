/// Process exit statuses of the command-line contract (as sysexits.h; 78 is systemd's
/// `RestartPreventExitStatus`).
public enum ExitStatus: Int32, Sendable {
    case success = 0
    case failure = 1
    case usage = 64
    case dataError = 65
    case noInput = 66
    case config = 78
}

/// An error that knows the exit status the command line should end with and a one-line message for a person.
public protocol UserFacingError: Error, CustomStringConvertible {
    var exitStatus: ExitStatus { get }
}
