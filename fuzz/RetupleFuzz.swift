import Foundation

// libFuzzer's entry point over the legacy parsers and the transformation.
//
// Not part of the package: `scripts/fuzz` compiles this file together
// with the RetupleCore sources it needs into one module, with
// `-sanitize=fuzzer,address`. Each check stops the process (`require`)
// when an invariant breaks, which libFuzzer reports as a crash and saves
// the input under `.build/fuzz/artifacts/`.

/// Stops with `message` when `condition` is false: `fatalError` prints its
/// message in an optimized build, where `precondition` does not.
private func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

/// One input, any bytes: the first picks what is fuzzed, the rest is the
/// input of that.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    // The rest of libFuzzer's exactly sized buffer, so AddressSanitizer
    // sees any read past its end.
    let input = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    switch data[0] % 3 {
    case 0: checkSubject(input)
    case 1: checkCommitTime(input)
    default: checkTransformation(input)
    }
    return 0
}

/// `LegacySubject` never changes a subject it accepts: what it decodes
/// encodes back to the same bytes; only a subject holding `#` is malformed.
private func checkSubject(_ input: UnsafeRawBufferPointer) {
    let text = String(decoding: input, as: UTF8.self)
    let subject = LegacySubject(parsing: text)
    guard let encoded = subject.encoded else {
        require(text.utf8.contains(UInt8(ascii: "#")), "malformed without #: \(text.debugDescription)")
        return
    }
    require(Array(encoded.utf8) == Array(text.utf8), "\(text.debugDescription) decoded as \(subject), encodes as \(encoded.debugDescription)")
    if case .set = subject {
        require(text.utf8.filter { $0 == UInt8(ascii: "#") }.count == 1, "a subject set with several #: \(text.debugDescription)")
    }
}

/// `LegacyCommitTime` reads no byte outside its input, gives only
/// instants a unified `commit_time` holds, reads what retuple writes back
/// as the same instant, and reads text and its bytes alike.
private func checkCommitTime(_ input: UnsafeRawBufferPointer) {
    if let instant = LegacyCommitTime.parse(text: input) {
        require(LegacyCommitTime.representableRange.contains(instant), "\(instant) is outside the years 1 to 9999")
        let written = instant.sqliteText
        require(LegacyCommitTime.parse(.text(written)) == instant, "\(written) does not read back as \(instant)")
        if let text = String(validating: input, as: UTF8.self) {
            require(LegacyCommitTime.parse(.text(text)) == instant, "text and bytes of \(text.debugDescription) read differently")
        }
    }
    if input.count >= 8, let instant = LegacyCommitTime.parse(.integer(input.loadUnaligned(as: Int64.self))) {
        require(LegacyCommitTime.representableRange.contains(instant), "\(instant) is outside the years 1 to 9999")
    }
}

private let configuration = Configuration(namespaces: [
    Namespace(id: 0, name: "files"), Namespace(id: 1, name: "\u{E9}"), Namespace(id: 2, name: "groups"),
])

/// The transformation of any row is the same twice, keeps a row's key
/// whatever becomes of it, and gives back the legacy subject byte for
/// byte. Fields are separated by 0x1F; each field's first byte picks the
/// kind of value (NULL, bytes, integer, real, text).
private func checkTransformation(_ input: UnsafeRawBufferPointer) {
    var fields = input.split(separator: 0x1F, maxSplits: 4, omittingEmptySubsequences: false).map(value)
    while fields.count < 5 { fields.append(.text("")) }
    let legacy = LegacyTuple(shardID: fields[0], object: fields[1], relation: fields[2], subject: fields[3], commitTime: fields[4])
    let network = UUID(uuidString: "4a3c0d5e-8b1f-4c2a-9d6e-7f8091a2b3c4")!
    var transformer = LegacyTupleTransformer(namespace: configuration.namespaces[0], networkID: network, configuration: configuration)
    let outcome = transformer.transform(legacy)
    require(transformer.transform(legacy) == outcome, "two outcomes for \(legacy)")
    var rowKey = LegacyRowKey(networkID: network, namespaceID: 0)
    switch outcome {
    case .unified(let tuple):
        require(tuple.shardID == rowKey.key(of: legacy), "shard_id is not the row key: \(legacy)")
        guard case .text(let subject) = legacy.subject else { return }
        let encoded = switch tuple.subject {
        case .id(let id): id
        case .set(let id, let object, let relation): "\(configuration.namespace(id: id)!.name):\(object)#\(relation)"
        }
        require(Array(encoded.utf8) == Array(subject.utf8), "subject \(subject.debugDescription) became \(encoded.debugDescription)")
    case .broken(let broken):
        require(broken.rowKey == rowKey.key(of: legacy), "a broken row's key is not its row key: \(legacy)")
        require((broken.recreate != nil) == (broken.reason == .invalidCommitTime), "recreate for \(broken.reason)")
    }
}

/// A column value from a field: its first byte picks the kind.
private func value(_ field: UnsafeRawBufferPointer.SubSequence) -> DatabaseValue {
    guard let kind = field.first else { return .text("") }
    let rest = Array(field.dropFirst())
    var integer: Int64 = 0
    for byte in rest.prefix(8) { integer = integer << 8 | Int64(byte) }
    switch kind % 8 {
    case 0: return .null
    case 1: return .bytes(rest)
    case 2: return .integer(integer)
    // Never NaN, which SQLite stores as NULL and which equals nothing.
    case 3: return .real(Double(integer) / 7)
    default: return .text(String(decoding: rest, as: UTF8.self))
    }
}
