import Foundation
import Testing
import TestSupport

/// systemd/vigil.service passes `systemd-analyze verify` without a word and scores ≤ 2.0 in
/// `systemd-analyze --offline=true security` (scripts/check-systemd-unit.sh does both and fails on any output).
@Suite struct SystemdUnitTests {
    @Test func unitVerifiesSilentlyAndIsHardened() {
        let script = Fixtures.repoRoot.appendingPathComponent("scripts/check-systemd-unit.sh").path
        let r = run("/bin/bash", [script])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    }
}
