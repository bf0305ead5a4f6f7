package record

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"golang.org/x/mod/sumdb/note"

	"github.com/parleyhq/parley"
)

// BundleFormat is the format of the bundles this package reads and writes.
const BundleFormat = "parley/v1/bundle"

// Limits on bundles. A bundle that breaks one is malformed.
const (
	MaxBundleSize    = 2 << 30 // bytes of JSON
	MaxBundleEntries = 1 << 22 // 4,194,304 entries
	MaxWitnesses     = 100     // a signed note holds at most 100 signatures
	MaxForks         = 100
	MaxActors        = 1 << 20
)

// A Bundle is the record of one talks as one viewer may see it, for
// checking offline with Verify. docs/RECORD.md specifies its JSON form.
type Bundle struct {
	Format string // BundleFormat
	Origin string // the log's origin, "<host>/talks/<id>"
	LogKey string // the log's note verifier key, named Origin

	// Actors lists every key that the visible events name (signers, and
	// the keys of roster events) in order of first appearance, with the
	// name the last visible roster event gave it. It is optional; when
	// present, Verify checks it against the events.
	Actors []Actor

	// Entries holds every entry of the log in order: visible events with
	// their signature and salt, hidden ones as their leaf hash.
	Entries []BundleEntry

	// Checkpoints holds signed checkpoint notes in increasing size, the
	// last one of size len(Entries). Besides the log's signature, a note
	// may carry cosignatures by the Witnesses, and nothing else.
	Checkpoints [][]byte

	Witnesses []WitnessKey    // the witnesses that cosigned a checkpoint
	Forks     []*ForkEvidence // evidence that the log forked, if any
}

// An Actor is a key that the bundle's visible events name, in the encoding
// of parley.KeyString, with the name the roster gave it.
type Actor struct {
	Key  string `json:"key"`
	Name string `json:"name,omitempty"`
}

// A BundleEntry is one entry of the log: a visible event has Event, Sig
// and Salt, a hidden one only Leaf.
type BundleEntry struct {
	Index int64  `json:"index"`
	Event []byte `json:"event,omitempty"` // the exact bytes the actor signed
	Sig   []byte `json:"sig,omitempty"`   // the actor's Ed25519 signature
	Salt  []byte `json:"salt,omitempty"`  // SaltSize bytes
	Leaf  []byte `json:"leaf,omitempty"`  // the 32-byte leaf hash of a hidden entry
}

// Hidden reports whether the entry is given by its leaf hash only.
func (e *BundleEntry) Hidden() bool { return e.Event == nil }

// A FormatError reports a malformed bundle: not JSON, unknown or missing
// members, wrong sizes, a broken limit. Its Err says what and where.
type FormatError struct {
	Err error
}

// Error says that the bundle is malformed, and how.
func (e *FormatError) Error() string { return "malformed bundle: " + e.Err.Error() }

// Unwrap returns Err.
func (e *FormatError) Unwrap() error { return e.Err }

func formatErrorf(format string, args ...any) error {
	return &FormatError{fmt.Errorf(format, args...)}
}

// ParseBundle decodes a bundle strictly: one JSON object, valid UTF-8, no
// unknown, repeated or misspelt members, byte strings in canonical standard
// base64, sizes and limits as docs/RECORD.md says. Any failure is a
// *FormatError. It checks no signature or hash: Verify does.
func ParseBundle(data []byte) (*Bundle, error) {
	if len(data) > MaxBundleSize {
		return nil, formatErrorf("it is %d bytes, more than the limit of %d", len(data), MaxBundleSize)
	}
	b, err := decodeBundle(data)
	if err != nil {
		return nil, &FormatError{err}
	}
	if err := b.check(); err != nil {
		return nil, err
	}
	return b, nil
}

// decodeBundle reads the top-level object member by member, so that the
// entries are counted as they come and a failure names its entry.
func decodeBundle(data []byte) (*Bundle, error) {
	d := jsontext.NewDecoder(bytes.NewReader(data))
	if t, err := d.ReadToken(); err != nil || t.Kind() != '{' {
		return nil, errors.New("want a JSON object")
	}
	b := new(Bundle)
	for d.PeekKind() != '}' {
		t, err := d.ReadToken()
		if err != nil {
			return nil, err
		}
		name := t.String()
		var v any
		switch name {
		case "format":
			v = &b.Format
		case "origin":
			v = &b.Origin
		case "log_key":
			v = &b.LogKey
		case "actors":
			v = &b.Actors
		case "witnesses":
			v = &b.Witnesses
		case "forks":
			v = &b.Forks
		case "checkpoints":
			var notes []string
			if err := json.UnmarshalDecode(d, &notes, strict); err != nil {
				return nil, fmt.Errorf("checkpoints: %w", err)
			}
			for _, n := range notes {
				b.Checkpoints = append(b.Checkpoints, []byte(n))
			}
			continue
		case "entries":
			if err := decodeEntries(d, b); err != nil {
				return nil, err
			}
			continue
		default:
			return nil, fmt.Errorf("unknown member %q", trunc(name, 40))
		}
		if err := json.UnmarshalDecode(d, v, strict); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	if _, err := d.ReadToken(); err != nil {
		return nil, err
	}
	if _, err := d.ReadToken(); err != io.EOF {
		return nil, errors.New("unexpected data after the bundle's object")
	}
	return b, nil
}

func decodeEntries(d *jsontext.Decoder, b *Bundle) error {
	if b.Entries != nil {
		return errors.New(`repeated member "entries"`)
	}
	if t, err := d.ReadToken(); err != nil || t.Kind() != '[' {
		return errors.New("entries: want an array")
	}
	b.Entries = []BundleEntry{}
	for d.PeekKind() != ']' {
		if len(b.Entries) == MaxBundleEntries {
			return fmt.Errorf("entries: more than the limit of %d", MaxBundleEntries)
		}
		var e BundleEntry
		if err := json.UnmarshalDecode(d, &e, strict); err != nil {
			return fmt.Errorf("entry %d: %w", len(b.Entries), err)
		}
		b.Entries = append(b.Entries, e)
	}
	_, err := d.ReadToken()
	return err
}

// check checks the bundle's form: everything ParseBundle requires beyond
// JSON.
func (b *Bundle) check() error {
	switch {
	case b.Format != BundleFormat:
		return formatErrorf("format %q is not %q: this verifier reads version 1 bundles", trunc(b.Format, 40), BundleFormat)
	case checkOrigin(b.Origin) != nil:
		return formatErrorf("origin: %v", checkOrigin(b.Origin))
	case len(b.Entries) == 0:
		return formatErrorf("entries: the bundle has none")
	case len(b.Entries) > MaxBundleEntries:
		return formatErrorf("entries: %d, more than the limit of %d", len(b.Entries), MaxBundleEntries)
	case len(b.Checkpoints) == 0:
		return formatErrorf("checkpoints: the bundle has none")
	case len(b.Checkpoints) > len(b.Entries):
		return formatErrorf("checkpoints: %d for %d entries; sizes must increase", len(b.Checkpoints), len(b.Entries))
	case len(b.Witnesses) > MaxWitnesses:
		return formatErrorf("witnesses: %d, more than the limit of %d", len(b.Witnesses), MaxWitnesses)
	case len(b.Forks) > MaxForks:
		return formatErrorf("forks: %d, more than the limit of %d", len(b.Forks), MaxForks)
	case len(b.Actors) > MaxActors:
		return formatErrorf("actors: %d, more than the limit of %d", len(b.Actors), MaxActors)
	}
	v, err := note.NewVerifier(b.LogKey)
	if err != nil {
		return formatErrorf("log_key: %v", err)
	}
	if v.Name() != b.Origin {
		return formatErrorf("log_key: the key is named %q, not after the origin %q", trunc(v.Name(), 80), b.Origin)
	}
	if err := CanonicalKey(b.LogKey); err != nil {
		return formatErrorf("log_key: %v", err)
	}
	for i := range b.Entries {
		if err := b.Entries[i].check(); err != nil {
			return formatErrorf("entry %d: %v", i, err)
		}
	}
	for i, c := range b.Checkpoints {
		if len(c) > MaxNoteSize {
			return formatErrorf("checkpoint %d: %d bytes, more than the limit of %d", i, len(c), MaxNoteSize)
		}
	}
	seen := map[string]bool{}
	for i, w := range b.Witnesses {
		if _, err := w.verifier(); err != nil {
			return formatErrorf("witness %d: %v", i, err)
		}
		if seen[w.Name] {
			return formatErrorf("witness %d: the name %q is listed twice", i, w.Name)
		}
		seen[w.Name] = true
	}
	keys := map[string]bool{}
	for i, a := range b.Actors {
		if !validKey(a.Key) {
			return formatErrorf("actor %d: %q is not an Ed25519 public key in canonical base64", i, trunc(a.Key, 60))
		}
		if keys[a.Key] {
			return formatErrorf("actor %d: the key %s is listed twice", i, a.Key)
		}
		keys[a.Key] = true
	}
	for i, f := range b.Forks {
		if f == nil {
			return formatErrorf("fork evidence %d: null", i)
		}
	}
	return nil
}

func (e *BundleEntry) check() error {
	if e.Hidden() {
		switch {
		case e.Sig != nil || e.Salt != nil:
			return errors.New(`a hidden entry has "index" and "leaf" only`)
		case len(e.Leaf) != len(parley.Hash{}):
			return fmt.Errorf(`want "event", "sig" and "salt", or a 32-byte "leaf"`)
		}
		return nil
	}
	switch {
	case e.Leaf != nil:
		return errors.New(`a visible entry has no "leaf": it is computed`)
	case len(e.Event) == 0 || len(e.Event) > parley.MaxEventSize:
		return fmt.Errorf("the event is %d bytes; want 1 to %d", len(e.Event), parley.MaxEventSize)
	case len(e.Sig) != ed25519.SignatureSize:
		return fmt.Errorf("the signature is %d bytes, not %d", len(e.Sig), ed25519.SignatureSize)
	case len(e.Salt) != SaltSize:
		return fmt.Errorf("the salt is %d bytes, not %d", len(e.Salt), SaltSize)
	}
	return nil
}

type bundleJSON struct {
	Format      string          `json:"format"`
	Origin      string          `json:"origin"`
	LogKey      string          `json:"log_key"`
	Actors      []Actor         `json:"actors,omitempty"`
	Entries     []BundleEntry   `json:"entries"`
	Checkpoints []string        `json:"checkpoints"`
	Witnesses   []WitnessKey    `json:"witnesses,omitempty"`
	Forks       []*ForkEvidence `json:"forks,omitempty"`
}

// Marshal encodes the bundle as compact JSON, in the form ParseBundle
// reads.
func (b *Bundle) Marshal() ([]byte, error) {
	j := bundleJSON{b.Format, b.Origin, b.LogKey, b.Actors, nonNil(b.Entries), make([]string, len(b.Checkpoints)), b.Witnesses, b.Forks}
	for i, c := range b.Checkpoints {
		j.Checkpoints[i] = string(c)
	}
	return marshal(j)
}

// bundleEvent decodes the event of entry i and checks its leaf.
func bundleEvent(en *parley.Entry, i int) (*parley.Event, error) {
	if en.Index != int64(i) {
		return nil, fmt.Errorf("bundling: entry %d has index %d: give the log from index 0 in order", i, en.Index)
	}
	e, err := parley.DecodeEvent(en.Event)
	if err != nil {
		return nil, fmt.Errorf("bundling: entry %d: %w", i, err)
	}
	if LeafHash(en.Salt, en.Event, en.Sig) != en.Leaf {
		return nil, fmt.Errorf("bundling: entry %d: its leaf is not the commitment to its event", i)
	}
	return e, nil
}

// NewBundle builds the bundle of a talks' log for one viewer: entries is
// the whole log from index 0, checkpoints are signed notes of it in
// increasing size, the last one covering every entry, and visible says
// whether the viewer may see an event (nil: every event). Visible events go in whole, the
// others as their leaf hash. The checkpoints keep the log's signature and
// the cosignatures of the given witnesses; other signature lines are
// dropped, and only the witnesses that cosigned are listed. Actors is
// filled from the visible events. Events are decoded on all cores; visible
// is called in log order from one goroutine.
func NewBundle(origin, logKey string, entries []parley.Entry, checkpoints []parley.Checkpoint, witnesses []WitnessKey, visible func(*parley.Event) bool) (*Bundle, error) {
	if len(entries) == 0 {
		return nil, errors.New("bundling: the log has no entries")
	}
	if visible == nil {
		visible = func(*parley.Event) bool { return true }
	}
	b := &Bundle{Format: BundleFormat, Origin: origin, LogKey: logKey, Entries: make([]BundleEntry, len(entries))}
	idx := newActorIndex()
	// Decoding dominates: decode blocks of entries on all cores, then ask
	// visible about each event in log order.
	const block = 4096
	events := make([]*parley.Event, min(block, len(entries)))
	errs := make([]error, len(events))
	workers := runtime.GOMAXPROCS(0)
	for lo := 0; lo < len(entries); lo += block {
		hi := min(lo+block, len(entries))
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := lo + w; i < hi; i += workers {
					events[i-lo], errs[i-lo] = bundleEvent(&entries[i], i)
				}
			})
		}
		wg.Wait()
		for i := lo; i < hi; i++ {
			en, e := &entries[i], events[i-lo]
			if err := errs[i-lo]; err != nil {
				return nil, err
			}
			if visible(e) {
				b.Entries[i] = BundleEntry{Index: en.Index, Event: en.Event, Sig: en.Sig, Salt: en.Salt}
				idx.add(e)
			} else {
				b.Entries[i] = BundleEntry{Index: en.Index, Leaf: append([]byte(nil), en.Leaf[:]...)}
			}
		}
	}
	b.Actors = idx.actors
	logV, err := note.NewVerifier(logKey)
	if err != nil {
		return nil, fmt.Errorf("bundling: the log key: %w", err)
	}
	vs := []note.Verifier{logV}
	for _, w := range witnesses {
		v, err := w.verifier()
		if err != nil {
			return nil, fmt.Errorf("bundling: witness %s: %w", w.Name, err)
		}
		vs = append(vs, v)
	}
	cosigned := map[string]bool{}
	last := int64(0)
	for i, c := range checkpoints {
		cp, n, err := openCheckpoint(c.Note, logV, vs[1:]...)
		if err != nil {
			return nil, fmt.Errorf("bundling: checkpoint %d: %w", i, err)
		}
		for _, s := range n.Sigs {
			cosigned[s.Name] = cosigned[s.Name] || s.Name != logV.Name() || s.Hash != logV.KeyHash()
		}
		kept, err := note.Sign(&note.Note{Text: n.Text, Sigs: n.Sigs})
		if err != nil {
			return nil, fmt.Errorf("bundling: checkpoint %d: %w", i, err)
		}
		b.Checkpoints = append(b.Checkpoints, kept)
		if cp.Size <= last {
			return nil, fmt.Errorf("bundling: checkpoint %d has size %d after size %d: give them in increasing size", i, cp.Size, last)
		}
		last = cp.Size
	}
	if last != int64(len(entries)) {
		return nil, fmt.Errorf("bundling: no checkpoint covers all %d entries: give the log up to its latest checkpoint", len(entries))
	}
	for _, w := range witnesses {
		if cosigned[w.Name] {
			b.Witnesses = append(b.Witnesses, w)
		}
	}
	return b, nil
}
