import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Single-precision GEMM from OpenBLAS, loaded with `dlopen` at first use.
///
/// OpenBLAS (Debian's build has DYNAMIC_ARCH) picks its kernels in a library constructor from the CPU
/// model; 0.3.21 does not know recent CPUs and falls back to SSE3 "Prescott" kernels (seen on an
/// Intel Xeon model 207: 3× slower). Loading the library ourselves lets us set `OPENBLAS_CORETYPE`
/// from the CPU's flags first (SkylakeX with AVX-512, Haswell with AVX2+FMA), unless the user set it.
/// Without OpenBLAS a portable blocked SIMD GEMM is used.
///
/// Thread safety: `shared` is initialised once (Swift global); `sgemm` may be called from any thread.
/// `setThreads` changes a process-wide OpenBLAS setting.
final class BLAS: @unchecked Sendable {
    // @unchecked: the function pointers are written once in init and only read afterwards.
    typealias SGEMM = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
                                      UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    typealias SetThreads = @convention(c) (Int32) -> Void
    typealias CoreName = @convention(c) () -> UnsafeMutablePointer<CChar>?

    static let shared = BLAS()

    private let sgemmFunction: SGEMM?
    private let setThreadsFunction: SetThreads?
    /// "OpenBLAS <core>" or "Swift fallback".
    let implementation: String

    private init() {
        if getenv("OPENBLAS_CORETYPE") == nil, let core = BLAS.coreTypeFromCPUFlags() {
            setenv("OPENBLAS_CORETYPE", core, 0)
        }
        var handle: UnsafeMutableRawPointer?
        for name in ["libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"] {
            handle = dlopen(name, RTLD_NOW | RTLD_GLOBAL)
            if handle != nil { break }
        }
        if let handle, let g = dlsym(handle, "cblas_sgemm") {
            sgemmFunction = unsafeBitCast(g, to: SGEMM.self)
            setThreadsFunction = dlsym(handle, "openblas_set_num_threads").map { unsafeBitCast($0, to: SetThreads.self) }
            let core = dlsym(handle, "openblas_get_corename").flatMap { unsafeBitCast($0, to: CoreName.self)() }.map { String(cString: $0) }
            implementation = "OpenBLAS \(core ?? "")"
        } else {
            sgemmFunction = nil
            setThreadsFunction = nil
            implementation = "Swift fallback"
        }
    }

    static func coreTypeFromCPUFlags() -> String? {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(line.split(separator: " ").map(String.init))
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].allSatisfy(flags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        return nil
    }

    func setThreads(_ n: Int) { setThreadsFunction?(Int32(max(1, n))) }

    /// Row-major C = alpha·op(A)·op(B) + beta·C.
    func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
               a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
               c: UnsafeMutablePointer<Float>, ldc: Int) {
        if let f = sgemmFunction {
            // CBLAS enums: RowMajor 101, NoTrans 111, Trans 112.
            f(101, transA ? 112 : 111, transB ? 112 : 111, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda),
              b, Int32(ldb), beta, c, Int32(ldc))
            return
        }
        fallback(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                 beta: beta, c: c, ldc: ldc)
    }

    private func fallback(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>,
                          lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m {
            let crow = c + i * ldc
            if beta == 0 { crow.update(repeating: 0, count: n) } else if beta != 1 { for j in 0..<n { crow[j] *= beta } }
            for p in 0..<k {
                let av = alpha * (transA ? a[p * lda + i] : a[i * lda + p])
                if av == 0 { continue }
                if transB {
                    for j in 0..<n { crow[j] += av * b[j * ldb + p] }
                } else {
                    let brow = b + p * ldb
                    for j in 0..<n { crow[j] += av * brow[j] }
                }
            }
        }
    }
}
