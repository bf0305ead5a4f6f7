-- Schema 3: entries without the unique index on (talks, nonce). Nonces are
-- random, so every append wrote a page at a random place of that index: with
-- a large log it was the costliest part of a commit. The store now refuses a
-- repeated nonce from a set it keeps in memory and completes from this table
-- inside each append's transaction (see nonces.go). SQLite drops a
-- constraint only by rebuilding its table. A process of an older version
-- that still has the file open relies on the dropped index: stop every
-- process before upgrading (README.md says so).

CREATE TABLE entries_3 (
	talks    TEXT    NOT NULL,
	idx      INTEGER NOT NULL CHECK (idx >= 0),
	event    BLOB    NOT NULL CHECK (length(event) > 0),
	sig      BLOB    NOT NULL CHECK (length(sig) > 0),
	salt     BLOB    NOT NULL CHECK (length(salt) = 32),
	leaf     BLOB    NOT NULL CHECK (length(leaf) = 32),
	kind     TEXT    NOT NULL,
	actor    TEXT    NOT NULL,
	nonce    TEXT    NOT NULL CHECK (nonce <> ''),
	received INTEGER NOT NULL,
	PRIMARY KEY (talks, idx)
) STRICT;
INSERT INTO entries_3 SELECT talks, idx, event, sig, salt, leaf, kind, actor, nonce, received FROM entries;
DROP TABLE entries;
ALTER TABLE entries_3 RENAME TO entries;
