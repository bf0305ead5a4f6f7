-- Schema 2: the same tables without foreign keys. An append writes the
-- talks row, if new, in the same transaction as its entries, hashes and
-- checkpoint, and nothing else writes them, so the keys guarded nothing the
-- store does not already ensure; checking them cost about 40% of an append.
-- SQLite drops a constraint only by rebuilding its table.

CREATE TABLE entries_2 (
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
	PRIMARY KEY (talks, idx),
	UNIQUE (talks, nonce)
) STRICT;
INSERT INTO entries_2 SELECT talks, idx, event, sig, salt, leaf, kind, actor, nonce, received FROM entries;
DROP TABLE entries;
ALTER TABLE entries_2 RENAME TO entries;

CREATE TABLE hashes_2 (
	talks TEXT    NOT NULL,
	idx   INTEGER NOT NULL CHECK (idx >= 0),
	hash  BLOB    NOT NULL CHECK (length(hash) = 32),
	PRIMARY KEY (talks, idx)
) STRICT, WITHOUT ROWID;
INSERT INTO hashes_2 SELECT talks, idx, hash FROM hashes;
DROP TABLE hashes;
ALTER TABLE hashes_2 RENAME TO hashes;

CREATE TABLE checkpoints_2 (
	talks TEXT    NOT NULL,
	size  INTEGER NOT NULL CHECK (size > 0),
	root  BLOB    NOT NULL CHECK (length(root) = 32),
	note  BLOB    NOT NULL CHECK (length(note) > 0),
	PRIMARY KEY (talks, size)
) STRICT;
INSERT INTO checkpoints_2 SELECT talks, size, root, note FROM checkpoints;
DROP TABLE checkpoints;
ALTER TABLE checkpoints_2 RENAME TO checkpoints;
