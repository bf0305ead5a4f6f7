// Package parley holds the domain of Parley: events and their encoding,
// payloads, roles, stances, errors and the Store interface. It depends on
// the standard library only.
//
// Parley runs mediated multi-party negotiations so that no participant has to
// trust anyone else, the host included: every act is an Event signed on the
// actor's device and kept in a verifiable log per talks.
package parley
