import VTXCore

/// Reads the ZPL (ZeroMQ RFC 4) subset a czmq certificate uses, with czmq's `zconfig` rules: `#` comments and
/// blank lines are skipped; indentation is 4 spaces per level; a section is a bare name at level 0; a property is
/// `name = "value"` (or `'value'`, or an unquoted value up to a `#`) at level 1. Errors name the file and the line.
struct CertificateParser {
    /// One property and the line it was on.
    struct Entry {
        var section: String
        var name: String
        var value: String
        var line: Int
    }

    let source: String

    /// The properties of `text`, in order.
    ///
    /// - Throws: ``VTXError/Code/invalidArgument`` naming `source` and the line: indentation that is not a
    ///   multiple of 4 spaces or deeper than a certificate uses, a property outside a section, a bad name, a
    ///   missing `=` or closing quote, text after a value.
    func entries(of text: String) throws(VTXError) -> [Entry] {
        var entries: [Entry] = []
        var section: String?
        var number = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            number += 1
            var line = Substring(rawLine)
            while let last = line.last, last == " " || last == "\t" || last == "\r" { line.removeLast() }
            let content = line.drop { $0 == " " }
            guard !content.isEmpty, content.first != "#" else { continue }
            let indent = line.count - content.count
            guard indent % 4 == 0 else {
                throw error(number, "the line is indented by \(indent) spaces; ZPL indents by 4 spaces per level")
            }
            let name = String(content.prefix { Self.isNameCharacter($0) })
            guard !name.isEmpty else {
                throw error(number, "expected a name, found \"\(content.prefix(20))\"")
            }
            let rest = content.dropFirst(name.count)
            switch indent / 4 {
            case 0:
                try checkEnd(rest, line: number)
                section = name
            case 1:
                guard let current = section else {
                    throw error(number, "the property \"\(name)\" is indented but no section comes before it")
                }
                entries.append(Entry(section: current, name: name, value: try value(rest, line: number), line: number))
            default:
                throw error(number, "the line is nested deeper than a certificate's sections and properties")
            }
        }
        return entries
    }

    /// The value after a property name: `= "…"`, `= '…'`, or `= text` up to a comment.
    ///
    /// Read by Unicode scalars, as czmq reads bytes: compared as `Character`s, a quote followed by a combining
    /// mark (a value that starts with one) is a single character that is not a quote (found by fuzzing).
    private func value(_ text: Substring, line: Int) throws(VTXError) -> String {
        var rest = text.unicodeScalars.drop { $0 == " " || $0 == "\t" }
        guard rest.first == "=" else {
            throw error(line, "expected '=' after the property name")
        }
        rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else {
            var value = rest.prefix { $0 != "#" }
            while let last = value.last, last == " " || last == "\t" { value.removeLast() }
            return String(Substring(value))
        }
        let body = rest.dropFirst()
        guard let end = body.firstIndex(of: quote) else {
            throw error(line, "the value has no closing \(quote)")
        }
        try checkEnd(Substring(body[body.index(after: end)...]), line: line)
        return String(Substring(body[..<end]))
    }

    /// Nothing but blanks and a comment may follow.
    private func checkEnd(_ text: Substring, line: Int) throws(VTXError) {
        let rest = text.unicodeScalars.drop { $0 == " " || $0 == "\t" }
        guard rest.isEmpty || rest.first == "#" else {
            throw error(line, "unexpected text \"\(Substring(rest.prefix(20)))\"")
        }
    }

    private func error(_ line: Int, _ message: String) -> VTXError {
        VTXError(.invalidArgument, "\(source), line \(line): \(message)")
    }

    /// The characters czmq allows in names.
    static func isNameCharacter(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return (0x30...0x39).contains(ascii) || (0x41...0x5A).contains(ascii) || (0x61...0x7A).contains(ascii)
            || "$-_@.&+/".utf8.contains(ascii)
    }
}
