import Foundation

/// The transformation of one namespace's rows on a second thread: the
/// thread that owns the connections reads a batch of legacy rows and hands
/// it over, then writes the batch transformed before it, while this one
/// transforms (row keys, subjects, times). Batches come back in the order
/// they went in; at most `depth` are on their way at once, so memory stays
/// a few batches whatever the table's size.
///
/// No database is touched here: only values cross threads, and each
/// connection stays on the thread that opened the transaction.
final class TransformPipeline: @unchecked Sendable {
    typealias Outcome = LegacyTupleTransformer.Outcome

    /// Batches handed over and not yet taken back.
    static let depth = 2

    private let condition = NSCondition()
    private var inputs: [(rows: [LegacyTuple], readSoFar: Int)] = []
    private var outputs: [(outcomes: [Outcome], readSoFar: Int)] = []
    private var closed = false
    private var transformer: LegacyTupleTransformer
    private let done = DispatchSemaphore(value: 0)
    private(set) var inFlight = 0

    init(transformer: LegacyTupleTransformer) {
        self.transformer = transformer
        let thread = Thread { [self] in run() }
        thread.name = "retuple-transform"
        thread.start()
    }

    /// Hands a batch over; `readSoFar` comes back with it, for progress.
    func submit(_ rows: [LegacyTuple], readSoFar: Int) {
        condition.lock()
        inputs.append((rows, readSoFar))
        inFlight += 1
        condition.broadcast()
        condition.unlock()
    }

    /// The oldest batch handed over, transformed; waits for it.
    func next() -> (outcomes: [Outcome], readSoFar: Int) {
        condition.lock()
        defer { condition.unlock() }
        while outputs.isEmpty { condition.wait() }
        inFlight -= 1
        return outputs.removeFirst()
    }

    /// Stops the thread once it has finished what it holds, and waits for
    /// it. Call exactly once.
    func close() {
        condition.lock()
        closed = true
        inputs.removeAll()
        condition.broadcast()
        condition.unlock()
        done.wait()
    }

    private func run() {
        defer { done.signal() }
        while true {
            condition.lock()
            while inputs.isEmpty, !closed { condition.wait() }
            if closed {
                condition.unlock()
                return
            }
            let (rows, readSoFar) = inputs.removeFirst()
            condition.unlock()
            var outcomes: [Outcome] = []
            outcomes.reserveCapacity(rows.count)
            for legacy in rows { outcomes.append(transformer.transform(legacy)) }
            condition.lock()
            outputs.append((outcomes, readSoFar))
            condition.broadcast()
            condition.unlock()
        }
    }
}

extension LegacyMigrator {
    /// Reads `table`'s rows in the batches `migrateRows` makes in one
    /// thread and has a `TransformPipeline` transform them, handing each
    /// batch transformed to `write` (with the rows read up to its end) in
    /// the order read, while the next ones are read and transformed.
    ///
    /// - Returns: the rows read.
    func pipelineRows(
        of table: LegacyTable, write: (_ outcomes: [LegacyTupleTransformer.Outcome], _ readSoFar: Int) throws -> Void
    ) throws -> Int {
        let pipeline = TransformPipeline(transformer: transformer(for: table))
        defer { pipeline.close() }
        var read = 0
        var batch: [LegacyTuple] = []
        batch.reserveCapacity(batchSize)

        func writeNext() throws {
            let (outcomes, readSoFar) = pipeline.next()
            try write(outcomes, readSoFar)
        }

        try source.forEachRow(legacyRowsQuery(table), []) { row in
            read += 1
            if read & 1023 == 0 { try stopIfInterrupted(table) }
            batch.append(LegacyTuple(row: row))
            if batch.count >= batchSize {
                pipeline.submit(batch, readSoFar: read)
                batch = []
                batch.reserveCapacity(batchSize)
                if pipeline.inFlight >= TransformPipeline.depth {
                    try writeNext()
                    logger.trace(.reading, of: table)
                }
            }
        }
        if !batch.isEmpty { pipeline.submit(batch, readSoFar: read) }
        while pipeline.inFlight > 0 { try writeNext() }
        return read
    }
}
