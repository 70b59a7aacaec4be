import VigilCore

extension KeyedDecodingContainer {
    /// A mask at `key` (absent or null: none): a list of 1…64 polygons, each a list of 3…1000 `[x, y]` points in
    /// source pixels (±100000) enclosing some area — `[[[0, 0], [200, 0], [200, 40], [0, 40]]]`. Errors name
    /// the polygon (`mask[1]`) and its line.
    func mask(_ key: Key) throws -> PolygonMask {
        guard let raw = try decodeIfPresent([[PointConfig]].self, forKey: key) else { return PolygonMask() }
        guard raw.count <= 64 else { throw invalid(key, "lists \(raw.count) polygons, at most 64") }
        var polygons: [[PolygonMask.Point]] = []
        for (i, poly) in raw.enumerated() {
            func fail(_ message: String) -> DecodingError {
                .dataCorrupted(.init(codingPath: codingPath + [key, AnyCodingKey(intValue: i)!],
                                     debugDescription: message))
            }
            guard poly.count >= 3 else {
                throw fail("a mask polygon needs at least 3 [x, y] points, found \(poly.count)")
            }
            guard poly.count <= 1000 else { throw fail("a mask polygon has at most 1000 points, found \(poly.count)") }
            var twiceArea = 0.0
            for j in poly.indices {
                let p = poly[j], q = poly[(j + 1) % poly.count]
                twiceArea += p.x * q.y - q.x * p.y
            }
            guard abs(twiceArea) > 1e-6 else { throw fail("the polygon encloses no area") }
            polygons.append(poly.map { PolygonMask.Point($0.x, $0.y) })
        }
        return PolygonMask(polygons)
    }
}
