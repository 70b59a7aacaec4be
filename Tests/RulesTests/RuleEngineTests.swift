import Foundation
import Testing
import VigilCore
@testable import Rules

/// Golden sequences: synthetic tracks in, the exact alerts out.
@Suite struct RuleEngineTests {
    @Test func zoneEnterAndExitWithInertia() {
        var s = Scene(RuleSet(zones: [squareZone(inertia: 3)]))
        // Walks right at x = 50 + 10*i: on the left edge at frame 5 (x = 100: within the dead band of 4 px, a
        // tenth of the box's height), inside from frame 6, on the right edge at 15, outside from frame 16.
        s.run(30) { i in [track(1, x: i < 20 ? 50 + 10 * Float(i) : 250, y: 150)] }
        #expect(s.summary == ["zone_enter@8 #1 yard", "zone_exit@18 #1 yard"])
        // The visit is dated from the first frame inside (5) to the first frame outside (15).
        #expect(s.alerts[1].dwellSeconds.map { abs($0 - 1.0) < 1e-9 } == true)
        #expect(s.alerts[0].label == "person" && s.alerts[0].score == 0.9 && s.alerts[0].box != nil)
        #expect(s.alerts[0].severity == .info)
    }

    @Test func flickerOnTheEdgeIsOneVisit() {
        var s = Scene(RuleSet(zones: [squareZone(inertia: 3)]))
        // In for 5 frames, then alternating in/out (never 3 out in a row), then out for good.
        s.run(40) { i in
            let inside = i < 5 ? true : (i < 25 ? i % 2 == 0 : false)
            return [track(1, x: inside ? 150 : 90, y: 150)]
        }
        #expect(s.summary == ["zone_enter@2 #1 yard", "zone_exit@27 #1 yard"])
    }

    @Test func labelFilter() {
        var s = Scene(RuleSet(zones: [squareZone(labels: ["car"], inertia: 1)]))
        s.run(5) { _ in [track(1, x: 150, y: 150, label: "person"), track(2, x: 150, y: 150, label: "car")] }
        #expect(s.summary == ["zone_enter@0 #2 yard"])
    }

    @Test func bottomCentreDecides() {
        // The box overlaps the zone but its bottom centre is below it: not inside.
        var s = Scene(RuleSet(zones: [squareZone(inertia: 1)]))
        s.run(3) { _ in [track(1, x: 150, y: 230)] }
        #expect(s.summary.isEmpty)
    }

    @Test func loiteringOncePerVisit() {
        var s = Scene(RuleSet(zones: [squareZone(inertia: 1, loiter: 2.0)]))
        s.run(60) { _ in [track(1, x: 150, y: 150)] }
        #expect(s.summary == ["zone_enter@0 #1 yard", "loitering@20 #1 yard"])
        #expect(s.alerts[1].dwellSeconds == 2.0)
        #expect(s.alerts[1].severity == .warning)
    }

    @Test func crowdingWhenMoreThanMaxCountStay() {
        let crowd = ZoneRule.Crowding(maxCount: 2, minSeconds: 1.0, label: "person")
        var s = Scene(RuleSet(zones: [squareZone(inertia: 1, crowding: crowd)]))
        // Two people from frame 0, a third from frame 10 to 40; a car never counts.
        s.run(60) { i in
            var t = [track(1, x: 120, y: 150), track(2, x: 140, y: 150), track(9, x: 150, y: 150, label: "car")]
            if (10..<40).contains(i) { t.append(track(3, x: 160, y: 150)) }
            return t
        }
        let crowding = s.alerts.filter { $0.event == "crowding" }
        #expect(crowding.count == 1)
        #expect(crowding.first?.frame == 20 && crowding.first?.count == 3 && crowding.first?.zone == "yard")
        #expect(crowding.first?.jsonLine().contains(#""track_ids":[1,2,3]"#) == true)
    }

    @Test func lineCrossingDirectionsAndCounts() {
        // A line drawn left to right at y = 100: left is above it.
        let line = LineRule(name: "door", line: TripLine(from: Point(0, 100), to: Point(300, 100))!,
                            action: RuleAction(severity: .info, cooldownSeconds: 0))
        var s = Scene(RuleSet(lines: [line]))
        // Track 1 walks down across it, track 2 walks up, track 1 walks back up later, track 3 passes beside it.
        s.run(40) { i in
            let f = Float(i)
            var t = [track(1, x: 100, y: i < 20 ? 60 + 5 * f : 155 - 5 * (f - 20)),
                     track(2, x: 200, y: 140 - 5 * f)]
            t.append(track(3, x: 350, y: 60 + 5 * f))
            return t
        }
        // Both are on the line at frame 8 (not a crossing yet) and past it at frame 9; alerts go by track id.
        #expect(s.summary == ["line_cross@9 #1 door left_to_right n=1", "line_cross@9 #2 door right_to_left n=1",
                              "line_cross@32 #1 door right_to_left n=2"])
        #expect(s.engine.lineCounts == [RuleEngine.LineCount(leftToRight: 1, rightToLeft: 2)])
    }

    @Test func lineJitterOnTheLineIsNotACrossing() {
        let line = LineRule(name: "door", line: TripLine(from: Point(0, 100), to: Point(300, 100))!)
        var s = Scene(RuleSet(lines: [line]))
        // Above, then exactly on the line for a while, then back above: no crossing.
        s.run(20) { i in [track(1, x: 100, y: i < 5 || i >= 15 ? 90 : 100)] }
        #expect(s.summary.isEmpty)
    }

    /// Feet walking along a line (boxes 40 px tall: a dead band of 4 px) with the box bottom jittering 3 px either
    /// side of it, then clearly across: one crossing, where without the dead band every jitter is one.
    @Test func feetAlongTheLineCrossOnce() {
        let line = LineRule(name: "middle", line: TripLine(from: Point(0, 100), to: Point(600, 100))!,
                            action: RuleAction(severity: .info, cooldownSeconds: 0))
        func walk(_ rules: RuleSet) -> Scene {
            var s = Scene(rules)
            s.run(40) { i in [track(1, x: 10 + 10 * Float(i), y: i < 5 ? 80 : (i < 30 ? (i % 2 == 0 ? 97 : 103) : 120))] }
            return s
        }
        let s = walk(RuleSet(lines: [line]))
        #expect(s.summary == ["line_cross@30 #1 middle left_to_right n=1"])
        let without = walk(RuleSet(lines: [line], hysteresis: 0))
        #expect(without.alerts.count > 20)
    }

    /// The same along a zone's edge: one visit (inertia 1, no cooldown), where without the dead band it is many.
    @Test func feetAlongAZoneEdgeEnterOnce() {
        func walk(_ rules: RuleSet) -> Scene {
            var s = Scene(rules)
            s.run(40) { i in [track(1, x: 150, y: i < 5 ? 80 : (i < 30 ? (i % 2 == 0 ? 97 : 103) : 150))] }
            return s
        }
        let zone = squareZone(inertia: 1, cooldown: 0)
        #expect(walk(RuleSet(zones: [zone])).summary == ["zone_enter@30 #1 yard"])
        #expect(walk(RuleSet(zones: [zone], hysteresis: 0)).alerts.filter { $0.event == "zone_enter" }.count > 10)
    }

    @Test func lineCooldownPerTrack() {
        let line = LineRule(name: "door", line: TripLine(from: Point(0, 100), to: Point(300, 100))!,
                            action: RuleAction(severity: .warning, cooldownSeconds: 5))
        var s = Scene(RuleSet(lines: [line]))
        // Steps back and forth across the line every frame: counted every time, one alert per 5 s.
        s.run(61) { i in [track(1, x: 100, y: i % 2 == 0 ? 95 : 105)] }
        #expect(s.summary.count == 2)
        #expect(s.alerts.map(\.frame) == [1, 51])
        #expect(s.engine.lineCounts[0].leftToRight + s.engine.lineCounts[0].rightToLeft == 60)
        #expect(s.alerts.allSatisfy { $0.severity == .warning })
    }

    @Test func zoneCooldownPerRuleAndTrack() {
        var s = Scene(RuleSet(zones: [squareZone(inertia: 1, cooldown: 3)]))
        // In and out every 5 frames (0.5 s) for 8 s: an enter/exit pair, then quiet until 3 s have passed.
        s.run(80) { i in [track(1, x: (i / 5) % 2 == 0 ? 150 : 50, y: 150), track(2, x: 150, y: 150)] }
        let mine = s.alerts.filter { $0.trackID == 1 }.map { "\($0.event)@\($0.frame)" }
        #expect(mine == ["zone_enter@0", "zone_exit@5", "zone_enter@30", "zone_exit@35", "zone_enter@60", "zone_exit@65"])
        // Track 2's cooldown is its own.
        #expect(s.alerts.filter { $0.trackID == 2 }.map(\.event) == ["zone_enter"])
    }

    @Test func stationaryObjectOncePerObject() {
        var s = Scene(RuleSet(stationary: StationaryRule(seconds: 3)))
        // A car parks (stationary from frame 10), jitters (not stationary at 50, 51), stays until the end;
        // a person stands still the whole time and is ignored.
        s.run(200) { i in
            [track(1, x: 150, y: 150, label: "car", stationary: i >= 10 && !(50...51).contains(i)),
             track(2, x: 250, y: 150, label: "person", stationary: true)]
        }
        #expect(s.summary == ["stationary_object@40 #1"])
        #expect(s.alerts[0].dwellSeconds == 3.0)
    }

    @Test func endedAndVanishedTracksCloseTheirVisits() {
        var s = Scene(RuleSet(zones: [squareZone(inertia: 1)]))
        s.run(10) { i in
            switch i {
            case 0..<4: [track(1, x: 150, y: 150), track(2, x: 160, y: 150)]
            case 4: [track(1, x: 150, y: 150, state: .lost), track(2, x: 160, y: 150, state: .ended)]
            default: []  // track 1 vanishes without an ended report
            }
        }
        #expect(s.summary == ["zone_enter@0 #1 yard", "zone_enter@0 #2 yard", "zone_exit@4 #2 yard", "zone_exit@5 #1 yard"])
        #expect(s.alerts[2].jsonLine().contains(#""reason":"track_ended""#))
    }

    @Test func tentativeTracksAreIgnored() {
        var s = Scene(RuleSet(zones: [squareZone(inertia: 1)]))
        s.run(5) { _ in [track(1, x: 150, y: 150, state: .tentative)] }
        #expect(s.summary.isEmpty)
    }

    @Test func scheduleAcrossMidnight() {
        let night = Schedule(name: "night", windows: [TimeWindow(parsing: "22:00-06:00")!])
        // One frame a minute from 21:58 to 22:02 and from 05:58 to 06:02 (UTC).
        var rules = RuleSet(zones: [squareZone(inertia: 1, schedule: night, cooldown: 0)])
        rules.clock = .utc
        for (startH, startM, expected) in [(21, 58, [2, 3, 4]), (5, 58, [0, 1])] {
            var s = Scene(rules, fps: 1.0 / 60, start: 1_767_225_600 + Double(startH * 3600 + startM * 60))
            // A new visit every frame: in at even frames, out at odd ones, so each frame asks the schedule.
            s.run(5) { i in [track(i + 1, x: 150, y: 150)] }
            let enters = s.alerts.filter { $0.event == "zone_enter" }.map(\.frame)
            #expect(enters == expected, "\(startH):\(startM)")
        }
    }

    @Test func scheduleFollowsDaylightSavingTime() throws {
        // Europe/Berlin: 2026-03-29 02:00 CET → 03:00 CEST; 2026-10-25 03:00 CEST → 02:00 CET.
        let clock = try #require(LocalClock(identifier: "Europe/Berlin"))
        let morning = Schedule(name: "morning", windows: [TimeWindow(parsing: "06:00-07:00")!])
        let spring = Timestamp.parse("2026-03-29T04:30:00Z")!  // 06:30 CEST: armed
        let winter = Timestamp.parse("2026-03-28T04:30:00Z")!  // 05:30 CET: not armed
        let autumn = Timestamp.parse("2026-10-25T05:30:00Z")!  // 06:30 CET: armed
        let summer = Timestamp.parse("2026-10-24T05:30:00Z")!  // 07:30 CEST: not armed
        #expect(morning.isArmed(secondsOfDay: clock.secondsOfDay(at: spring)))
        #expect(!morning.isArmed(secondsOfDay: clock.secondsOfDay(at: winter)))
        #expect(morning.isArmed(secondsOfDay: clock.secondsOfDay(at: autumn)))
        #expect(!morning.isArmed(secondsOfDay: clock.secondsOfDay(at: summer)))
        #expect(clock.offset(at: spring) == 7200 && clock.offset(at: winter) == 3600)
        // Through the engine: a night window 22:00-06:00 local on the night the clocks go forward.
        let night = Schedule(name: "night", windows: [TimeWindow(parsing: "22:00-06:00")!])
        var rules = RuleSet(zones: [squareZone(inertia: 1, schedule: night, cooldown: 0)])
        rules.clock = clock
        // 03:55 UTC = 05:55 CEST (armed), 04:05 UTC = 06:05 CEST (not); in winter 04:55 UTC = 05:55 CET.
        var s = Scene(rules, fps: 1.0 / 600, start: Timestamp.parse("2026-03-29T03:55:00Z")!)
        s.run(2) { i in [track(i + 1, x: 150, y: 150)] }
        #expect(s.alerts.filter { $0.event == "zone_enter" }.map(\.frame) == [0])
    }

    @Test func disarmedZoneStillTracksVisits() {
        // Armed from 00:00:05 only: a track already inside loiters into the armed window and alerts then.
        let later = Schedule(name: "later", windows: [TimeWindow(startMinute: 0, endMinute: 1)!])
        var rules = RuleSet(zones: [squareZone(inertia: 1, loiter: 1.0, schedule: later)])
        rules.clock = .utc
        var s = Scene(rules, start: 1_767_225_600 - 5)  // 23:59:55
        s.run(70) { _ in [track(1, x: 150, y: 150)] }
        #expect(s.summary == ["loitering@50 #1 yard"])
        #expect(s.alerts[0].dwellSeconds == 5.0)
    }

    @Test func deterministicAndOrderIndependent() {
        let rules = RuleSet(zones: [squareZone(inertia: 2, loiter: 1)],
                            lines: [LineRule(name: "l", line: TripLine(from: Point(0, 150), to: Point(400, 150))!)],
                            stationary: StationaryRule(seconds: 1))
        func make(reversed: Bool) -> [String] {
            var s = Scene(rules)
            s.run(100) { i in
                var t = (1...8).map { k in
                    track(k, x: Float(40 * k + i), y: Float(80 + (i * k) % 140), label: k % 2 == 0 ? "car" : "person",
                          stationary: i > 50 && k == 4)
                }
                if reversed { t.reverse() }
                return t
            }
            return s.alerts.map { $0.jsonLine() }
        }
        let a = make(reversed: false)
        #expect(!a.isEmpty)
        #expect(a == make(reversed: false))
        #expect(a == make(reversed: true))
    }
}
