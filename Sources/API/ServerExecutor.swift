import Foundation

/// The threads the API server's tasks run on (Hummingbird's connection and request tasks, through a task
/// executor preference that its task groups inherit), so that the server never waits for Swift's shared
/// cooperative pool: on two cores that pool is two threads, which a caller blocking one of them (a synchronous
/// `start`, a test's socket read) would halve.
///
/// The job queue is not bounded by a count: each job is a suspended task of one of at most `max_connections`
/// connections, so it is bounded by them.
///
/// Thread safety: `enqueue` from any thread; the queue is behind `condition`.
final class ServerExecutor: TaskExecutor, @unchecked Sendable {  // unchecked: `jobs` and `stopped` are behind `condition`
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0
    private var stopped = false
    private var alive = 0
    private let name: String
    private let maxThreads: Int

    /// Threads start with the first jobs, up to `threads`.
    init(threads: Int, name: String) {
        self.name = name
        maxThreads = threads
    }

    /// Under `condition`.
    private func spawn() {
        alive += 1
        let t = Thread { [self] in run() }
        t.name = name
        t.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let u = UnownedJob(job)
        condition.lock()
        jobs.append(u)
        if alive < maxThreads { spawn() }
        condition.signal()
        condition.unlock()
    }

    /// Lets the threads end once the queue is empty (a job enqueued later starts threads again).
    func shutdown() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while head == jobs.count && !stopped { condition.wait() }
            if head == jobs.count {
                alive -= 1
                condition.unlock()
                return
            }
            let job = jobs[head]
            head += 1
            if head > 1024, head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
