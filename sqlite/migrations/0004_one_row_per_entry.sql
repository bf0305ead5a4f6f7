-- Schema 4: everything an append writes goes into one table, keyed by an
-- integer, so that an append changes the last pages of one B-tree only.
--
-- Before, an entry had a row in entries (with a separate index on
-- (talks, idx)), one or more rows in hashes, and its append a row in
-- checkpoints (with its own index): five B-trees, whose last pages each
-- commit wrote to the WAL, a dozen pages for a few entries. Now:
--
--   - talks get a number, no, that never changes;
--   - an entry's key is no << 40 | idx, so the entries of a talks are one
--     range of keys in log order and the table is the rowid B-tree itself;
--   - an entry holds the Merkle hashes that its leaf adds to the tree
--     (tlog's stored hashes StoredHashIndex(0, idx) onwards, 1 + the
--     trailing zeros of idx + 1 of them, 32 bytes each, in storage order);
--   - the last entry of each append holds the checkpoint of the log at its
--     size (root and signed note); the others hold NULL there.

CREATE TABLE talks_4 (
	no      INTEGER NOT NULL PRIMARY KEY CHECK (no > 0 AND no < 8388608),
	id      TEXT    NOT NULL UNIQUE,
	created INTEGER NOT NULL
) STRICT;
INSERT INTO talks_4 (id, created) SELECT id, created FROM talks ORDER BY id;

CREATE TABLE entries_4 (
	key      INTEGER NOT NULL PRIMARY KEY CHECK (key >= 0),
	event    BLOB    NOT NULL CHECK (length(event) > 0),
	sig      BLOB    NOT NULL CHECK (length(sig) > 0),
	salt     BLOB    NOT NULL CHECK (length(salt) = 32),
	leaf     BLOB    NOT NULL CHECK (length(leaf) = 32),
	kind     TEXT    NOT NULL,
	actor    TEXT    NOT NULL,
	nonce    TEXT    NOT NULL CHECK (nonce <> ''),
	received INTEGER NOT NULL,
	hashes   BLOB    NOT NULL CHECK (length(hashes) >= 32 AND length(hashes) % 32 = 0),
	root     BLOB             CHECK (root IS NULL OR length(root) = 32),
	note     BLOB             CHECK ((note IS NULL) = (root IS NULL) AND (note IS NULL OR length(note) > 0))
) STRICT;

-- The stored hashes of entry n are those at storage indexes from
-- StoredHashIndex(0, n) = 2n − popcount(n) up to StoredHashIndex(0, n+1).
WITH RECURSIVE bits(b) AS (SELECT 0 UNION ALL SELECT b + 1 FROM bits WHERE b < 39)
INSERT INTO entries_4 (key, event, sig, salt, leaf, kind, actor, nonce, received, hashes, root, note)
SELECT (t.no << 40) | e.idx, e.event, e.sig, e.salt, e.leaf, e.kind, e.actor, e.nonce, e.received,
	(SELECT unhex(group_concat(hex(h.hash), '' ORDER BY h.idx)) FROM hashes h
		WHERE h.talks = e.talks
		AND h.idx >= 2 * e.idx - (SELECT sum((e.idx >> b) & 1) FROM bits)
		AND h.idx < 2 * (e.idx + 1) - (SELECT sum(((e.idx + 1) >> b) & 1) FROM bits)),
	c.root, c.note
FROM entries e
JOIN talks_4 t ON t.id = e.talks
LEFT JOIN checkpoints c ON c.talks = e.talks AND c.size = e.idx + 1
ORDER BY e.talks, e.idx;

DROP TABLE checkpoints;
DROP TABLE hashes;
DROP TABLE entries;
DROP TABLE talks;
ALTER TABLE talks_4 RENAME TO talks;
ALTER TABLE entries_4 RENAME TO entries;
