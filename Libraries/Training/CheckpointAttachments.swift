import Foundation
import ToolSupport

/// Attachments: more state a procedure keeps inside PATH.state (base64 strings in its metadata,
/// under "birdie.attachment.NAME"), so that it is written, renamed and restored atomically with the
/// weights and moments it belongs to. The Birdie procedure keeps its controller here.
extension Checkpoint {
    static let attachmentPrefix = "birdie.attachment."

    static func attachmentMetadata(_ attachments: [String: Data]) -> [String: String] {
        var metadata: [String: String] = [:]
        for (name, data) in attachments { metadata[attachmentPrefix + name] = data.base64EncodedString() }
        return metadata
    }

    /// The attachments saved in PATH.state (empty when there are none).
    public static func loadAttachments(_ path: String) throws -> [String: Data] {
        let sp = statePath(path)
        guard let data = FileManager.default.contents(atPath: sp) else {
            throw ToolError.badInput(sp, "cannot read the training state beside the checkpoint", fix: "resume needs the PATH.state file `train` wrote")
        }
        var attachments: [String: Data] = [:]
        for (key, value) in try SafeTensors.decode(data, path: sp).metadata where key.hasPrefix(attachmentPrefix) {
            guard let bytes = Data(base64Encoded: value) else {
                throw ToolError.badInput(sp, "attachment \(key) is not base64", fix: "restore a good copy")
            }
            attachments[String(key.dropFirst(attachmentPrefix.count))] = bytes
        }
        return attachments
    }
}
