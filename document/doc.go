// Package document is the markup of negotiating texts: paragraphs with
// bracketed alternatives, the amendments that change a version, and the
// diff between two versions.
//
// A version of a document is a list of paragraphs, numbered from 1 by
// position. Each paragraph is a string in a small markup whose one construct
// is the bracket, text not yet agreed, possibly with alternatives:
//
//	The parties [[shall || should]] release [[all detainees || detainees on an agreed list]] within [[30]] days.
//
// Parse reads a paragraph into a tree of segments and Paragraph.String
// prints it back in canonical form. CheckVersion checks a whole version,
// Apply applies the changes of an amendment, Diff aligns two versions
// paragraph by paragraph and word by word, and ShowBidi makes bidirectional
// control characters visible. docs/DOCUMENTS.md gives the exact syntax.
//
// The package depends on the standard library and package parley only; it
// does no I/O. Every function accepts any input without panicking; errors
// are *parley.Error values whose message says what to fix.
package document
