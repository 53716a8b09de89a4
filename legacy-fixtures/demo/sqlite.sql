-- Demo tuples of a Keto v0.6 SQLite database: subject ids, subject sets
-- across namespaces, commit times in the shapes real v0.6 files hold, and
-- one broken row per reason retuple reports (marked "broken:").
-- Load with: retuple-fixtures load --dsn sqlite://PATH -c keto.yml sqlite.sql

INSERT INTO keto_0000000000_relation_tuples (shard_id, object, relation, subject, commit_time) VALUES
    ('default', 'readme.md',  'owner',  'user-alice',               '2021-09-14 13:46:24.123456789+00:00'),
    ('default', 'readme.md',  'viewer', 'groups:engineering#member', '2021-09-14 13:46:25+00:00'),
    ('default', 'readme.md',  'viewer', 'directories:docs#viewer',  '2021-09-14T13:46:26Z'),
    ('default', 'report.pdf', 'owner',  'user-bob',                 '2021-09-14 15:46:27+02:00'),
    ('default', 'report.pdf', 'viewer', 'user-carol',               1631627188),
    ('default', 'notes.txt',  'owner',  'user-dave',                '2021-09-14 13:46:29'),
    -- broken: unknown_subject_namespace (no namespace "teams" is configured)
    ('default', 'report.pdf', 'viewer', 'teams:core#member',        '2021-09-14 13:46:30+00:00'),
    -- broken: malformed_subject (two "#")
    ('default', 'notes.txt',  'viewer', 'groups:admins#member#x',   '2021-09-14 13:46:31+00:00'),
    -- broken: invalid_commit_time (the literal "now", never replaced by the current time)
    ('default', 'notes.txt',  'editor', 'user-erin',                'now');

INSERT INTO keto_0000000001_relation_tuples (shard_id, object, relation, subject, commit_time) VALUES
    ('default', 'docs',    'owner',  'user-alice',                '2021-09-15 08:00:00.5+00:00'),
    ('default', 'docs',    'viewer', 'groups:engineering#member', '2021-09-15 08:00:01+00:00'),
    ('default', 'docs',    'parent', 'files:readme.md#viewer',    '2021-09-15 08:00:02+00:00'),
    -- broken: too_long (a 65-character object)
    ('default', 'archive-2021-0000000000000000000000000000000000000000000000000000', 'viewer', 'user-frank', '2021-09-15 08:00:03+00:00'),
    -- broken: null_field (no relation)
    ('default', 'archive', NULL, 'user-frank', '2021-09-15 08:00:04+00:00');

INSERT INTO keto_0000000002_relation_tuples (shard_id, object, relation, subject, commit_time) VALUES
    ('default', 'engineering', 'member', 'user-alice',                '2021-09-16 10:00:00+00:00'),
    ('default', 'engineering', 'member', 'user-bob',                  '2021-09-16 10:00:01+00:00'),
    ('default', 'admins',      'member', 'groups:engineering#member', '2021-09-16 10:00:02+00:00'),
    -- broken: invalid_utf8 (the object's bytes end in 0xFF)
    ('default', CAST(X'6F70732DFF' AS TEXT), 'member', 'user-grace', '2021-09-16 10:00:03+00:00');
