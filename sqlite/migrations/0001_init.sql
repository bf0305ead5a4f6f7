-- Schema 1: talks, the entries of their logs, the Merkle hashes over the
-- entries and the checkpoints that sign them. Times are Unix microseconds
-- (UTC); hashes are 32-byte SHA-256 values.

CREATE TABLE talks (
	id      TEXT    NOT NULL PRIMARY KEY,
	created INTEGER NOT NULL  -- when the first entry was appended
) STRICT;

-- One row per event. event holds the exact bytes the actor signed; kind,
-- actor and nonce are copied from it for queries. The primary key keeps
-- the order of the log, the unique nonce refuses a replayed event.
CREATE TABLE entries (
	talks    TEXT    NOT NULL REFERENCES talks (id),
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

-- The stored hashes of each log's Merkle tree, keyed by their tlog storage
-- index (tlog.StoredHashIndex), written with the entries they cover.
CREATE TABLE hashes (
	talks TEXT    NOT NULL REFERENCES talks (id),
	idx   INTEGER NOT NULL CHECK (idx >= 0),
	hash  BLOB    NOT NULL CHECK (length(hash) = 32),
	PRIMARY KEY (talks, idx)
) STRICT, WITHOUT ROWID;

-- The signed checkpoint of each log at the size after every append.
CREATE TABLE checkpoints (
	talks TEXT    NOT NULL REFERENCES talks (id),
	size  INTEGER NOT NULL CHECK (size > 0),
	root  BLOB    NOT NULL CHECK (length(root) = 32),
	note  BLOB    NOT NULL CHECK (length(note) > 0),
	PRIMARY KEY (talks, size)
) STRICT;
