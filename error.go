package parley

import (
	"errors"
	"fmt"
)

// Error codes. They are stable: the HTTP layer maps each to a status and a
// problem type, the CLI to an exit status.
const (
	EINVALID      = "invalid"      // the input is malformed or breaks a rule
	ENOTFOUND     = "not_found"    // the thing named does not exist
	ECONFLICT     = "conflict"     // the act conflicts with the record (replay, stale state)
	EUNAUTHORIZED = "unauthorized" // no valid signature or session
	EFORBIDDEN    = "forbidden"    // the signer lacks the role for the act
	ETOOLARGE     = "too_large"    // a size limit was exceeded
	ERATELIMIT    = "rate_limited" // too many requests
	EUNAVAILABLE  = "unavailable"  // a dependency is down; retry later
	EINTERNAL     = "internal"     // a bug or an unexpected failure
	ECORRUPT      = "corrupt"      // the stored record fails its checks: it was changed or lost outside Parley
)

// Error is the error type of the domain. Message is meant for the person who
// caused it and says what to do.
type Error struct {
	Code    string
	Message string
	// Format and Args are what Message was made of, so that the message can
	// be said in another language (package i18n): Format is the key of its
	// translations.
	Format string
	Args   []any
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code. Its format is the key of
// the message's translations; an argument that is itself an *Error or a
// Phrase is said in the reader's language too.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Wrapf returns an *Error with the given code that says what went wrong
// around inner, an error that says why: format says args and then inner,
// its last argument, as in "payload field %q: %s". Inner is kept among
// the arguments, so that package i18n says both parts in one language. An
// inner error that is not an *Error is said as "internal error", as
// ErrorMessage says it: its text may leak internals.
func Wrapf(code, format string, inner error, args ...any) *Error {
	var e *Error
	if !errors.As(inner, &e) {
		e = errInternal
	}
	return Errorf(code, format, append(args[:len(args):len(args)], e)...)
}

// errInternal says an error that is not an *Error.
var errInternal = Errorf(EINTERNAL, "internal error")

// A Phrase is a part of a message that is not a whole sentence, such as
// who may sign an act or what a JSON text lacks where it ends: a format,
// which is a key of the catalogs as an Errorf format is, and its
// arguments. Package i18n says a Phrase that is an argument of an *Error
// in the language of the rest of the message.
type Phrase struct {
	Format string
	Args   []any
}

// Key returns the phrase of a format and its arguments. The format is the
// English text, a key of the catalogs.
func Key(format string, args ...any) Phrase { return Phrase{Format: format, Args: args} }

// String says the phrase in English.
func (p Phrase) String() string { return fmt.Sprintf(p.Format, p.Args...) }

// Codes returns every error code, in the order of their declaration.
func Codes() []string {
	return []string{EINVALID, ENOTFOUND, ECONFLICT, EUNAUTHORIZED, EFORBIDDEN, ETOOLARGE, ERATELIMIT, EUNAVAILABLE, EINTERNAL, ECORRUPT}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or a
// generic message for other errors (whose text may leak internals).
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrStale is returned by a Store when an append expected a log size that is
// no longer the log's size: another writer appended first. The caller reloads
// and checks the act again.
var ErrStale = Errorf(ECONFLICT, "the log grew while the act was being checked; check it again")

// ErrDuplicate is returned when an event with the same nonce is already in
// the log of the talks.
var ErrDuplicate = Errorf(ECONFLICT, "this event is already recorded (its nonce was used before); sign a new event instead of resending an old one")
