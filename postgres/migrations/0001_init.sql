-- Schema 1: talks, the entries of their logs, the Merkle hashes over the
-- entries and the checkpoints that sign them: the same logical schema as the
-- SQLite store. Hashes are 32-byte SHA-256 values. Ids and nonces use the
-- "C" collation, so that they compare and sort by bytes.

-- One row per talks. size is the number of entries in its log, kept by
-- every append in the transaction that adds them; an append locks this row,
-- so appends to one talks are serialized and appends to different talks are
-- not.
CREATE TABLE talks (
	id      text COLLATE "C" NOT NULL PRIMARY KEY CHECK (id <> ''),
	created timestamptz      NOT NULL, -- when the first entry was appended
	size    bigint           NOT NULL DEFAULT 0 CHECK (size >= 0)
);

-- One row per event. event holds the exact bytes the actor signed; kind,
-- actor and nonce are copied from it for queries. The primary key keeps
-- the order of the log, the unique nonce refuses a replayed event.
CREATE TABLE entries (
	talks    text COLLATE "C" NOT NULL REFERENCES talks (id),
	idx      bigint           NOT NULL CHECK (idx >= 0),
	event    bytea            NOT NULL CHECK (length(event) > 0),
	sig      bytea            NOT NULL CHECK (length(sig) > 0),
	salt     bytea            NOT NULL CHECK (length(salt) = 32),
	leaf     bytea            NOT NULL CHECK (length(leaf) = 32),
	kind     text             NOT NULL,
	actor    text             NOT NULL,
	nonce    text COLLATE "C" NOT NULL CHECK (nonce <> ''),
	received timestamptz      NOT NULL,
	CONSTRAINT entries_pkey PRIMARY KEY (talks, idx),
	CONSTRAINT entries_nonce UNIQUE (talks, nonce)
);

-- The stored hashes of each log's Merkle tree, keyed by their tlog storage
-- index (tlog.StoredHashIndex), written with the entries they cover. Only
-- the append that writes those entries writes their hashes, holding the
-- lock on the row of the talks; the table has no foreign key, whose check
-- on each of the two or so hashes per entry would slow appends by a sixth.
CREATE TABLE hashes (
	talks text COLLATE "C" NOT NULL,
	idx   bigint           NOT NULL CHECK (idx >= 0),
	hash  bytea            NOT NULL CHECK (length(hash) = 32),
	PRIMARY KEY (talks, idx)
);

-- The signed checkpoint of each log at the size after every append.
CREATE TABLE checkpoints (
	talks text COLLATE "C" NOT NULL REFERENCES talks (id),
	size  bigint           NOT NULL CHECK (size > 0),
	root  bytea            NOT NULL CHECK (length(root) = 32),
	note  bytea            NOT NULL CHECK (length(note) > 0),
	CONSTRAINT checkpoints_pkey PRIMARY KEY (talks, size)
);
