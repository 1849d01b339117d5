import Foundation

/// One objective configuration as the controller sees it: a name and a class. The controller
/// needs nothing else: K is the count, and each reward is scaled by 1/(configurations in its class).
public struct ControllerConfiguration: Codable, Equatable, Sendable {
    public var name: String
    public var objectiveClass: String

    public init(name: String, objectiveClass: String) {
        self.name = name
        self.objectiveClass = objectiveClass
    }

    enum CodingKeys: String, CodingKey {
        case name
        case objectiveClass = "class"
    }
}

/// The configurations of a run, with their class structure.
public struct ConfigurationSet: Equatable, Sendable {
    public let configurations: [ControllerConfiguration]
    /// Class names in order of first appearance.
    public let classes: [String]
    /// classIndex[k]: the class of configuration k (index into `classes`).
    public let classIndex: [Int]
    /// 1 / (configurations in the class of k).
    public let classScale: [Double]

    public var count: Int { configurations.count }
    public var names: [String] { configurations.map(\.name) }

    public init(_ configurations: [ControllerConfiguration]) throws {
        guard !configurations.isEmpty else { throw ControllerError.invalid("no configurations") }
        var seen = Set<String>()
        for c in configurations {
            guard !c.name.isEmpty else { throw ControllerError.invalid("a configuration has an empty name") }
            guard seen.insert(c.name).inserted else {
                throw ControllerError.invalid("configuration name '\(c.name)' appears twice")
            }
        }
        self.configurations = configurations
        var classes: [String] = []
        var index: [String: Int] = [:]
        var classIndex: [Int] = []
        for c in configurations {
            if index[c.objectiveClass] == nil {
                index[c.objectiveClass] = classes.count
                classes.append(c.objectiveClass)
            }
            classIndex.append(index[c.objectiveClass]!)
        }
        var sizes = [Int](repeating: 0, count: classes.count)
        for i in classIndex { sizes[i] += 1 }
        self.classes = classes
        self.classIndex = classIndex
        self.classScale = classIndex.map { 1 / Double(sizes[$0]) }
    }

    /// The starting (warm-up) mixture: every class the same share, split evenly within the class
    /// (docs/METHOD.md 3.1). With one configuration per class this is the uniform mixture.
    public var startingMixture: [Double] {
        classScale.map { $0 / Double(classes.count) }
    }

    /// The configurations of class `c`.
    public func members(ofClass c: Int) -> [Int] {
        classIndex.indices.filter { classIndex[$0] == c }
    }
}

/// An error in what a caller gave the controller (the `critic` tool maps it to exit 65).
public enum ControllerError: Error, CustomStringConvertible, Equatable {
    case invalid(String)

    public var description: String {
        switch self { case .invalid(let m): return m }
    }
}
