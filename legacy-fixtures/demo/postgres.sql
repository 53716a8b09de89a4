-- Demo tuples of a Keto v0.6 PostgreSQL database: subject ids, subject sets
-- across namespaces, and broken rows of the reasons a PostgreSQL v0.6 table
-- can hold (its column types reject NULL keys, over-long objects and
-- invalid UTF-8). Broken rows are marked "broken:".
-- Load with: retuple-fixtures load --dsn postgres://… -c keto.yml postgres.sql

INSERT INTO keto_0000000000_relation_tuples (shard_id, object, relation, subject, commit_time) VALUES
    ('default', 'readme.md',  'owner',  'user-alice',               '2021-09-14 13:46:24.123456'),
    ('default', 'readme.md',  'viewer', 'groups:engineering#member', '2021-09-14 13:46:25'),
    ('default', 'readme.md',  'viewer', 'directories:docs#viewer',  '2021-09-14 13:46:26'),
    ('default', 'report.pdf', 'owner',  'user-bob',                 '2021-09-14 13:46:27'),
    ('default', 'report.pdf', 'viewer', 'user-carol',               '2021-09-14 13:46:28'),
    ('default', 'notes.txt',  'owner',  'user-dave',                '2021-09-14 13:46:29'),
    -- broken: unknown_subject_namespace (no namespace "teams" is configured)
    ('default', 'report.pdf', 'viewer', 'teams:core#member',        '2021-09-14 13:46:30'),
    -- broken: malformed_subject (two "#")
    ('default', 'notes.txt',  'viewer', 'groups:admins#member#x',   '2021-09-14 13:46:31'),
    -- broken: invalid_commit_time (Keto v0.7 cannot represent infinity)
    ('default', 'notes.txt',  'editor', 'user-erin',                'infinity');

INSERT INTO keto_0000000001_relation_tuples (shard_id, object, relation, subject, commit_time) VALUES
    ('default', 'docs', 'owner',  'user-alice',                '2021-09-15 08:00:00.5'),
    ('default', 'docs', 'viewer', 'groups:engineering#member', '2021-09-15 08:00:01'),
    ('default', 'docs', 'parent', 'files:readme.md#viewer',    '2021-09-15 08:00:02'),
    -- broken: too_long (a 65-character subject id)
    ('default', 'docs', 'viewer', 'user-with-a-very-long-name-0000000000000000000000000000000000000000', '2021-09-15 08:00:03');

INSERT INTO keto_0000000002_relation_tuples (shard_id, object, relation, subject, commit_time) VALUES
    ('default', 'engineering', 'member', 'user-alice',                '2021-09-16 10:00:00'),
    ('default', 'engineering', 'member', 'user-bob',                  '2021-09-16 10:00:01'),
    ('default', 'admins',      'member', 'groups:engineering#member', '2021-09-16 10:00:02');
