import Foundation
import Randomness

/// The controller's whole state in one file, so a restarted `critic` continues exactly where it
/// stopped: magic "BRDCTRL1", UInt64 LE length of a JSON header, the header (configurations,
/// settings, generator state, optimizer step count, mixture, sizes, checksum), then little-endian
/// payload: parameters, AdamW first and second moments (Float32 each), and the history
/// (Float64: step, k losses, k action weights per evaluation).
struct ControllerStateHeader: Codable {
    var version = 1
    var configurations: [ControllerConfiguration]
    var grid: String?
    var settings: ControllerSettings
    var random: [UInt64]
    var optimizerSteps: Int
    var mixture: [Double]
    var parameterCount: Int
    var evaluations: Int
    var payloadChecksum: UInt64
}

extension BirdieController {
    static let stateMagic = Data("BRDCTRL1".utf8)

    /// The state as bytes (write them with ToolSupport.OutputFile for an atomic file).
    public func stateData() throws -> Data {
        var payload = Data()
        for array in [critic.parameters, critic.moment1, critic.moment2] {
            for x in array { appendLittleEndian(&payload, x.bitPattern) }
        }
        for e in history {
            appendLittleEndian(&payload, Double(e.step).bitPattern)
            for x in e.losses + e.action { appendLittleEndian(&payload, x.bitPattern) }
        }
        let header = ControllerStateHeader(
            configurations: configurations.configurations, grid: grid, settings: settings, random: random.words,
            optimizerSteps: critic.optimizerSteps, mixture: mixture, parameterCount: critic.parameterCount,
            evaluations: history.count, payloadChecksum: fnv1a(payload))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(header)
        var data = Self.stateMagic
        appendLittleEndian(&data, UInt64(json.count))
        data += json
        data += payload
        return data
    }

    /// Restores a controller from `stateData()`. `source` names the file in error messages.
    public convenience init(state data: Data, source: String) throws {
        func bad(_ problem: String) -> ControllerError {
            .invalid("\(source): \(problem) (delete it to start afresh, or pass the right --state file)")
        }
        guard data.count >= 16, data.prefix(8) == Self.stateMagic else { throw bad("not a critic state file") }
        let claimedLength = readLittleEndian(data, at: 8) as UInt64
        guard claimedLength <= UInt64(data.count - 16) else { throw bad("truncated header") }
        let headerLength = Int(claimedLength)
        let header: ControllerStateHeader
        do {
            header = try JSONDecoder().decode(ControllerStateHeader.self, from: data.subdata(in: 16..<(16 + headerLength)))
        } catch { throw bad("unreadable header (\(error))") }
        guard header.version == 1 else { throw bad("state version \(header.version) is not supported") }
        // The header is outside the checksum: its numbers are checked against sane limits and the
        // payload's size before the critic is allocated from them.
        let s = header.settings, count = header.configurations.count, payloadBytes = data.count - 16 - headerLength
        guard (1...100_000).contains(count), (1...16_384).contains(s.width), (1...64).contains(s.layers),
              (0...1 << 20).contains(s.training.steps), s.training.halfCycle >= 1,
              (8...1 << 20).contains(s.sampler.candidates), header.random.count == 4,
              header.optimizerSteps >= 0, (0...payloadBytes / 8).contains(header.evaluations),
              header.parameterCount == CriticLayout(k: count, width: s.width, layers: s.layers).count,
              header.parameterCount <= payloadBytes / 12 else {
            throw bad("header numbers out of range or larger than the file")
        }
        try self.init(configurations: ConfigurationSet(header.configurations), settings: header.settings)
        let k = configurations.count
        let payload = data.subdata(in: (16 + headerLength)..<data.count)
        let expected = 3 * 4 * header.parameterCount + 8 * header.evaluations * (1 + 2 * k)
        guard header.parameterCount == critic.parameterCount, payload.count == expected else {
            throw bad("payload size does not match its header")
        }
        guard fnv1a(payload) == header.payloadChecksum else { throw bad("checksum mismatch (file damaged)") }
        var offset = 0
        func floats() -> [Float] {
            defer { offset += 4 * header.parameterCount }
            return (0..<header.parameterCount).map { Float(bitPattern: readLittleEndian(payload, at: offset + 4 * $0)) }
        }
        func double() -> Double {
            defer { offset += 8 }
            return Double(bitPattern: readLittleEndian(payload, at: offset))
        }
        // The payload passed its checksum, but a file can be made to: every value is checked
        // against what the controller itself could have saved before it is used.
        critic.parameters = floats()
        critic.moment1 = floats()
        critic.moment2 = floats()
        guard critic.parameters.allSatisfy(\.isFinite), critic.moment1.allSatisfy(\.isFinite),
              critic.moment2.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw bad("critic weights or moments not finite") }
        critic.optimizerSteps = header.optimizerSteps
        for _ in 0..<header.evaluations {
            let step = double()
            guard step.isFinite, step >= 0, step < 1e15, step == step.rounded() else { throw bad("history holds step \(step)") }
            let e = Evaluation(step: Int(step), losses: (0..<k).map { _ in double() }, action: (0..<k).map { _ in double() })
            do { _ = try validated(e) } catch let error as ControllerError { throw bad("history: \(error.description)") }
            guard e.losses.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw bad("history holds an unusable loss at step \(e.step)") }
            history.append(e)   // as saved: validated() would renormalise the action
        }
        guard header.mixture.count == k, header.mixture.allSatisfy({ $0.isFinite && $0 >= 0 }),
              abs(header.mixture.reduce(0, +) - 1) <= 1e-3, header.random.contains(where: { $0 != 0 }) else {
            throw bad("mixture or generator state out of range")
        }
        random = Xoshiro256StarStar(state: header.random)
        grid = header.grid
        mixture = header.mixture
    }
}

func appendLittleEndian<T: FixedWidthInteger>(_ data: inout Data, _ value: T) {
    withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
}

func readLittleEndian<T: FixedWidthInteger>(_ data: Data, at offset: Int) -> T {
    var value: T = 0
    _ = withUnsafeMutableBytes(of: &value) { dst in
        data.copyBytes(to: dst, from: (data.startIndex + offset)..<(data.startIndex + offset + MemoryLayout<T>.size))
    }
    return T(littleEndian: value)
}

/// The critic state's payload checksum (FNV-1a, 64 bits); public for tools that check or craft
/// state files (the fuzz harness).
public func fnv1a(_ data: Data) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return hash
}
