import Testing
import VigilCore
@testable import Detection

/// Golden cases of where a motion-gated detector looks (1280×720 frame, square model unless noted; default
/// parameters: padding 0.25 of the larger side, minimum side 0.25 × 720 = 180 px, 4 regions, coverage 0.5).
@Suite struct RegionPlannerTests {
    let planner = RegionPlanner(width: 1280, height: 720, aspect: 1)

    func box(_ x1: Float, _ y1: Float, _ x2: Float, _ y2: Float) -> Box { Box(x1: x1, y1: y1, x2: x2, y2: y2) }

    @Test func noMotionIsNothing() {
        #expect(planner.plan([]) == .nothing)
        #expect(planner.plan([box(2000, 2000, 2100, 2100)]) == .nothing)  // outside the frame
    }

    @Test func aSmallRegionGrowsToTheMinimumSizeAroundItsCentre() {
        // 20×20 at (100,100): padded to 30×30, grown to 180×180 about (110,110)
        #expect(planner.plan([box(100, 100, 120, 120)]) == .regions([box(20, 20, 200, 200)]))
    }

    @Test func aLargeRegionIsPaddedAndMadeSquare() {
        // 200×100 at (600,300): padding 50 → (550,250)-(850,450), 300×200 → 300×300 about (700,350)
        #expect(planner.plan([box(600, 300, 800, 400)]) == .regions([box(550, 200, 850, 500)]))
    }

    @Test func closeRegionsMerge() {
        // 40×40 boxes 10 px apart: padded by 10 they overlap → one union (90,90)-(200,150) → 180×180
        #expect(planner.plan([box(100, 100, 140, 140), box(150, 100, 190, 140)]) == .regions([box(55, 30, 235, 210)]))
    }

    @Test func farRegionsStaySeparateTopToBottom() {
        let plan = planner.plan([box(1000, 500, 1040, 540), box(100, 100, 140, 140)])
        #expect(plan == .regions([box(30, 30, 210, 210), box(930, 430, 1110, 610)]))
    }

    @Test func regionsAtTheBorderShiftInside() {
        // 20×20 in the bottom-right corner: 180×180 shifted to end at the frame's corner
        #expect(planner.plan([box(1260, 700, 1280, 720)]) == .regions([box(1100, 540, 1280, 720)]))
    }

    @Test func shapingThatMakesRegionsOverlapMergesThem() {
        // 10×10 boxes 150 px apart do not touch padded (2.5 px), but their 180×180 squares do
        let plan = planner.plan([box(300, 300, 310, 310), box(460, 300, 470, 310)])
        // union of the two squares (215,215)-(395,395) and (375,215)-(555,395) → 340×180 → 340×340 about (385,305)
        #expect(plan == .regions([box(215, 135, 555, 475)]))
    }

    @Test func atMostMaxRegionsMergingTheCheapestPair() {
        var p = RegionPlanner.Parameters()
        p.maxRegions = 2
        let planner = RegionPlanner(width: 1280, height: 720, aspect: 1, parameters: p)
        // three far boxes; the two left ones are closest (their union adds the least area)
        let plan = planner.plan([box(100, 100, 120, 120), box(400, 100, 420, 120), box(1150, 600, 1170, 620)])
        // the left pair merged: (95,95)-(425,125) → 330×330 about (260,110), shifted down into the frame
        #expect(plan == .regions([box(95, 0, 425, 330), box(1070, 520, 1250, 700)]))
    }

    @Test func mostOfTheFrameIsOneFullFramePass() {
        #expect(planner.plan([box(100, 100, 900, 600)]) == .fullFrame)
        var p = RegionPlanner.Parameters()
        p.fullFrameCoverage = 1
        let never = RegionPlanner(width: 1280, height: 720, aspect: 1, parameters: p)
        #expect(never.plan([box(100, 100, 900, 600)]) != .fullFrame)
    }

    @Test func theModelsAspectIsKept() {
        let wide = RegionPlanner(width: 1280, height: 720, aspect: 2)
        let plan = wide.plan([box(600, 300, 800, 400)])  // padded 300×200 → 400×200 about (700,350)
        #expect(plan == .regions([box(500, 250, 900, 450)]))
        // wider than the frame allows: cut to the frame (the letterbox pads)
        #expect(wide.shape(box(0, 0, 1280, 720)) == box(0, 0, 1280, 720))
    }

    @Test func repeatable() {
        let boxes = (0..<12).map { (i: Int) -> Box in
            let x = Float(i * 97 % 1200), y = Float(i * 53 % 650)
            return box(x, y, x + 30, y + 40)
        }
        #expect(planner.plan(boxes) == planner.plan(boxes))
        if case .regions(let r) = planner.plan(boxes) {
            #expect(r.count <= 4)
            for i in r.indices { for j in r.indices where j > i { #expect(r[i].iou(r[j]) == 0) } }
        }
    }
}
