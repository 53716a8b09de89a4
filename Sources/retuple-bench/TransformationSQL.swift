import RetupleCore

/// the transformation (docs/contract.md) written as one `INSERT … SELECT` per legacy
/// table, for the in-database references (b) and (c).
///
/// The SQL parses the subject (an id, or `namespace:object#relation` with
/// the name mapped to its id by a `CASE` over the configured namespaces),
/// takes `nid` from `networks`, and makes a random `shard_id`
/// (`gen_random_uuid()` on PostgreSQL, `randomblob(16)` as lowercase UUID
/// text on SQLite). Its `WHERE` leaves out the rows retuple reports broken,
/// as far as SQL can tell them:
///
/// - `null_field`: any NULL among object, relation, subject, commit_time;
/// - `malformed_subject`: a `#` without exactly `namespace:object#relation`;
/// - `too_long`: object, relation, subject id, subject-set object or
///   relation over 64 characters;
/// - `unknown_subject_namespace`: a subject-set name not configured;
/// - `invalid_commit_time`: on PostgreSQL `infinity` and years outside
///   1–9999; on SQLite anything but the text Keto v0.6's Go driver wrote,
///   `YYYY-MM-DD HH:MM:SS[.1-9 digits]+00:00` with a real date and time;
/// - `invalid_utf8` (SQLite only, PostgreSQL cannot store it): a BLOB or
///   REAL, or text in which SQLite's UTF-8 decoder finds a sequence it
///   replaces by U+FFFD (bytes C0–FF opening a bad sequence; a stray
///   continuation byte passes, a real U+FFFD is wrongly left out).
///
/// The commit time is copied as stored: a PostgreSQL `timestamp` is the
/// same value, and SQLite text in Go's layout is what retuple writes (up to
/// trailing fraction zeros, which the comparison of results normalises).
/// Legacy SQLite times in the other layouts retuple accepts (other offsets,
/// `T`, no offset, integers) are left out, so on such data the results
/// would differ and the benchmark would say so; the generator writes none.
enum TransformationSQL {
    static let unifiedColumns = """
        shard_id, nid, namespace_id, object, relation, subject_id, \
        subject_set_namespace_id, subject_set_object, subject_set_relation, commit_time
        """

    /// The statement moving `namespace`'s legacy rows, and its bindings.
    static func insert(
        _ namespace: Namespace, configuration: Configuration, backend: DatabaseBackend
    ) -> (sql: String, bindings: [DatabaseValue]) {
        let table = quoteIdentifier(LegacyLayout.tupleTable(namespaceID: namespace.id))
        let (lookup, lookupBindings) = namespaceLookup(configuration, subjectSetName: backend == .postgres
            ? "split_part(split_part(t.subject, '#', 1), ':', 1)"
            : "substr(subject, 1, instr(subject, ':') - 1)")
        let bindings = [DatabaseValue.integer(Int64(namespace.id))] + lookupBindings
        switch backend {
        case .postgres: return (postgres(table: table, lookup: lookup), bindings)
        case .sqlite: return (sqlite(table: table, lookup: lookup), bindings)
        }
    }

    /// `CASE name WHEN ? THEN ? … END`: a configured name's id, else NULL.
    private static func namespaceLookup(_ configuration: Configuration, subjectSetName: String) -> (String, [DatabaseValue]) {
        guard !configuration.namespaces.isEmpty else { return ("CAST(NULL AS INTEGER)", []) }
        let cases = configuration.namespaces.map { _ in "WHEN CAST(? AS TEXT) THEN CAST(? AS INTEGER)" }
        let bindings = configuration.namespaces.flatMap { [DatabaseValue.text($0.name), .integer(Int64($0.id))] }
        return ("CASE \(subjectSetName) \(cases.joined(separator: " ")) END", bindings)
    }

    private static func postgres(table: String, lookup: String) -> String {
        """
        INSERT INTO keto_relation_tuples (\(unifiedColumns))
        SELECT gen_random_uuid(), nid, CAST(? AS INTEGER), object, relation,
            CASE WHEN hash = 0 THEN subject END,
            set_namespace_id,
            CASE WHEN hash > 0 THEN split_part(before_hash, ':', 2) END,
            CASE WHEN hash > 0 THEN substr(subject, hash + 1) END,
            commit_time
        FROM (
            SELECT n.id AS nid, t.object, t.relation, t.subject, t.commit_time,
                strpos(t.subject, '#') AS hash, split_part(t.subject, '#', 1) AS before_hash,
                \(lookup) AS set_namespace_id
            FROM \(table) t
            CROSS JOIN (SELECT id FROM networks ORDER BY created_at, id LIMIT 1) n
            WHERE t.object IS NOT NULL AND t.relation IS NOT NULL AND t.subject IS NOT NULL AND t.commit_time IS NOT NULL
                AND char_length(t.object) <= 64 AND char_length(t.relation) <= 64
                AND isfinite(t.commit_time)
                AND t.commit_time >= TIMESTAMP '0001-01-01 00:00:00' AND t.commit_time < TIMESTAMP '10000-01-01 00:00:00'
        ) r
        WHERE (hash = 0 AND char_length(subject) <= 64)
            OR (subject ~ '^[^#:]*:[^#:]*#[^#]*$'
                AND set_namespace_id IS NOT NULL
                AND char_length(split_part(before_hash, ':', 2)) <= 64
                AND char_length(subject) - hash <= 64)
        """
    }

    private static func sqlite(table: String, lookup: String) -> String {
        let replaced = "'*' || char(65533) || '*'"
        return """
        INSERT INTO keto_relation_tuples (\(unifiedColumns))
        SELECT substr(u, 1, 8) || '-' || substr(u, 9, 4) || '-' || substr(u, 13, 4) || '-'
                || substr(u, 17, 4) || '-' || substr(u, 21, 12),
            nid, CAST(? AS INTEGER), object, relation,
            CASE WHEN hash = 0 THEN subject END,
            set_namespace_id,
            CASE WHEN hash > 0 THEN substr(subject, colon + 1, hash - colon - 1) END,
            CASE WHEN hash > 0 THEN substr(subject, hash + 1) END,
            commit_time
        FROM (
            SELECT lower(hex(randomblob(16))) AS u,
                (SELECT id FROM networks ORDER BY created_at, id LIMIT 1) AS nid,
                CAST(object AS TEXT) AS object, CAST(relation AS TEXT) AS relation,
                CAST(subject AS TEXT) AS subject, commit_time,
                instr(subject, '#') AS hash, instr(subject, ':') AS colon,
                CASE WHEN instr(subject, '#') > 0 THEN \(lookup) END AS set_namespace_id
            FROM \(table)
            WHERE typeof(object) IN ('text', 'integer') AND typeof(relation) IN ('text', 'integer')
                AND typeof(subject) IN ('text', 'integer')
                AND object NOT GLOB \(replaced) AND relation NOT GLOB \(replaced) AND subject NOT GLOB \(replaced)
                AND length(object) <= 64 AND length(relation) <= 64
                AND (subject NOT GLOB '*#*'
                    OR (subject GLOB '*:*#*' AND subject NOT GLOB '*#*#*' AND subject NOT GLOB '*:*:*#*'))
                AND typeof(commit_time) = 'text'
                AND commit_time GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]*+00:00'
                AND (length(commit_time) = 25
                    OR (length(commit_time) BETWEEN 27 AND 35 AND substr(commit_time, 20, 1) = '.'
                        AND substr(commit_time, 21, length(commit_time) - 26) NOT GLOB '*[^0-9]*'))
                AND substr(commit_time, 1, 4) <> '0000'
                AND datetime(substr(commit_time, 1, 19), '+0 days') = substr(commit_time, 1, 19)
        )
        WHERE (hash = 0 AND length(subject) <= 64)
            OR (set_namespace_id IS NOT NULL AND hash - colon - 1 <= 64 AND length(subject) - hash <= 64)
        """
    }
}
