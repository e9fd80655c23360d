@testable import CustodyAdmission
import Testing

@Suite("AdmissionController.wait: a value that comes before the deadline is never reported as too late")
struct AdmissionWaitTests {
    @Test("2,000 waits for tasks that finish at once, with a far deadline, all get the value")
    func valueBeforeDeadlineIsNeverLost() async {
        // Regression: the waiter cancelled its timer before answering, and the cancelled timer
        // could answer "deadline passed" first (seen as wrong denials under load).
        var lost = 0
        for round in 0..<2_000 {
            let task = Task { round }
            let value = await AdmissionController.wait(for: task, until: ContinuousClock.now + .seconds(60))
            if value != round { lost += 1 }
        }
        #expect(lost == 0)
    }

    @Test("a task that outlives the deadline gives nil at the deadline and is not cancelled")
    func deadlineFirst() async {
        let gate = AsyncStream<Void>.makeStream()
        let task = Task { () -> Int in
            for await _ in gate.stream { break }
            return Task.isCancelled ? -1 : 7
        }
        let value = await AdmissionController.wait(for: task, until: ContinuousClock.now + .milliseconds(20))
        #expect(value == nil)
        gate.continuation.yield()
        #expect(await task.value == 7, "the verification goes on for the next request")
    }
}
