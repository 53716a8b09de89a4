import Foundation

/// The `networks` table: Keto v0.7 scopes every tuple to a network id (`nid`).
public enum Network {
    /// The id of the network tuples belong to: the one created first.
    /// Nil when the table is empty.
    public static func currentID(in database: any Database) throws -> String? {
        try database.scalar("SELECT id FROM networks ORDER BY created_at, id LIMIT 1")?.text
    }

    /// Returns the current network id, creating a network when there is
    /// none, as Keto v0.7 does on first start.
    ///
    /// - Returns: the id and whether it was created now.
    public static func ensure(in database: any Database) throws -> (id: String, created: Bool) {
        if let id = try currentID(in: database) { return (id, false) }
        let id = UUID().uuidString.lowercased()
        let now = database.timestampText(.now())
        try database.execute(
            "INSERT INTO networks (id, created_at, updated_at) VALUES (?, ?, ?)",
            [.text(id), .text(now), .text(now)]
        )
        return (id, true)
    }
}
