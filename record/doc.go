// Package record holds the primitives of Parley's verifiable record and the
// bundles that carry it offline.
//
// Every talks has one Merkle log, hashed as in RFC 6962 with
// golang.org/x/mod/sumdb/tlog. A leaf is a salted commitment to one signed
// event (LeafHash), so that a sibling hash in a proof reveals nothing
// guessable about an event the viewer may not see. The log's key signs
// checkpoints in the C2SP tlog-checkpoint format (Sealer, OpenCheckpoint);
// witnesses cosign them in the C2SP tlog-cosignature format (Cosign,
// Witness) after checking consistency, and two checkpoints that cannot both
// be true become ForkEvidence that anyone can check offline. One event's
// inclusion travels as a Receipt or as a C2SP tlog-proof (MarshalProof,
// VerifyProof).
//
// A Bundle is a talks' record as one viewer may see it: the events visible
// to them, the leaf hashes of the rest, checkpoints, cosignatures and keys.
// Verify checks a bundle offline: event signatures, leaf commitments, the
// tree hash at every checkpoint, checkpoint signatures, cosignatures, and the
// authorization of every visible event through an Authorizer.
//
// docs/RECORD.md specifies every format and check of this package precisely
// enough to write an independent verifier.
package record
