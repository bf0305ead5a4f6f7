package record

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
)

// An Authorizer replays a talks' roster to check that each event's signer
// held the role for it. Verify calls Authorize once for every visible
// event, in log order, with its log index, after checking its signature;
// Authorize checks the event against the roster as it stands, then
// applies the event to it. state.Authorizer implements it.
type Authorizer interface {
	Authorize(e *parley.Event, index int64) error
}

// A VerifyError reports the first check of a bundle that failed.
type VerifyError struct {
	// Where names what failed: "entry 17 (stance.set by <key>)",
	// "checkpoint 3 (size 40)", "witness 0 (name)", "actors" or
	// "fork evidence 0".
	Where string
	Index int64 // the failing entry's index, or -1
	Err   error
}

// Error returns "<where>: <what failed>".
func (e *VerifyError) Error() string { return e.Where + ": " + e.Err.Error() }

// Unwrap returns Err.
func (e *VerifyError) Unwrap() error { return e.Err }

// A Report says what Verify checked.
type Report struct {
	Origin       string
	LogKey       string      // the key the checkpoints are signed with; compare it with one you trust
	Size         int64       // entries in the log
	Root         parley.Hash // the root of the last checkpoint
	Events       int         // visible events decoded, in the right talks, each leaf recomputed
	Signatures   int         // event signatures verified
	Authorized   int         // events whose signer's role the Authorizer checked
	Hidden       int         // entries given by their leaf hash only
	Leaves       int         // leaves hashed into the tree
	Checkpoints  int         // checkpoints whose log signature and root were checked
	Cosignatures int         // cosignatures verified
	Witnesses    int
}

// String summarizes the report on one line.
func (r *Report) String() string {
	return fmt.Sprintf("%s: %d entries (%d events, %d signatures, %d authorized, %d hidden), %d checkpoints signed by %s, %d cosignatures by %d witnesses; root %s",
		r.Origin, r.Size, r.Events, r.Signatures, r.Authorized, r.Hidden, r.Checkpoints, r.LogKey, r.Cosignatures, r.Witnesses, base64.StdEncoding.EncodeToString(r.Root[:]))
}

// Verify checks a bundle offline, in the order docs/RECORD.md gives: its
// form; every checkpoint's log signature and cosignatures; then every entry
// in log order (its index, that its event decodes and belongs to the talks,
// its signature, its nonce, its authorization by auth, its leaf) with the
// tree hash at each checkpoint's size; the actors list; the fork evidence.
// A malformed bundle gives a *FormatError; a failed check a *VerifyError
// naming the first failure; the report then says what was checked before
// it. auth may be nil only to skip the authorization replay. progress, when
// not nil, is called with the entries checked so far.
//
// Event signatures are checked in parallel on runtime.GOMAXPROCS(0)
// goroutines; the tree is hashed once, incrementally.
func Verify(b *Bundle, auth Authorizer, progress func(done, total int)) (*Report, error) {
	if b == nil {
		return nil, formatErrorf("no bundle")
	}
	if err := b.check(); err != nil {
		return nil, err
	}
	_, talks, _ := splitOrigin(b.Origin)
	r := &Report{Origin: b.Origin, LogKey: b.LogKey, Witnesses: len(b.Witnesses)}
	cps, err := verifyCheckpoints(b, r)
	if err != nil {
		return r, err
	}
	v := &verifier{b: b, talks: talks, auth: auth, r: r, cps: cps, nonces: map[[16]byte]int64{}, actors: newActorIndex()}
	if err := v.entries(progress); err != nil {
		return r, err
	}
	r.Size, r.Root = cps[len(cps)-1].Size, cps[len(cps)-1].Root
	if err := v.checkActors(); err != nil {
		return r, err
	}
	for i, f := range b.Forks {
		where := fmt.Sprintf("fork evidence %d", i)
		if err := f.Verify(b.LogKey); err != nil {
			return r, &VerifyError{where, -1, fmt.Errorf("%w: it does not show a fork; remove it", err)}
		}
		return r, &VerifyError{where, -1, fmt.Errorf("the log forked: %s: the host showed different histories", f.describe())}
	}
	return r, nil
}

// verifyCheckpoints opens every checkpoint with the log key and the
// witnesses' keys.
func verifyCheckpoints(b *Bundle, r *Report) ([]*Checkpoint, error) {
	logV, _ := note.NewVerifier(b.LogKey) // checked by b.check
	var ws []note.Verifier
	for _, w := range b.Witnesses {
		v, _ := w.verifier() // checked by b.check
		ws = append(ws, v)
	}
	cosigned := make([]bool, len(ws))
	var cps []*Checkpoint
	for i, msg := range b.Checkpoints {
		cp, n, err := openCheckpoint(msg, logV, ws...)
		if err != nil {
			return nil, &VerifyError{fmt.Sprintf("checkpoint %d", i), -1, err}
		}
		where := fmt.Sprintf("checkpoint %d (size %d)", i, cp.Size)
		if len(n.UnverifiedSigs) > 0 {
			s := n.UnverifiedSigs[0]
			return nil, &VerifyError{where, -1, fmt.Errorf("it carries a signature by %s+%08x, which is neither the log nor a listed witness: list the witness or remove the line", s.Name, s.Hash)}
		}
		for _, s := range n.Sigs {
			for j, w := range ws {
				if s.Name == w.Name() && s.Hash == w.KeyHash() {
					cosigned[j] = true
					r.Cosignatures++
				}
			}
		}
		switch {
		case i == 0 && cp.Size < 1:
			return nil, &VerifyError{where, -1, errors.New("a checkpoint of the empty log proves nothing: remove it")}
		case i > 0 && cp.Size <= cps[i-1].Size:
			return nil, &VerifyError{where, -1, fmt.Errorf("sizes must increase, and checkpoint %d has size %d", i-1, cps[i-1].Size)}
		case cp.Size > int64(len(b.Entries)):
			return nil, &VerifyError{where, -1, fmt.Errorf("the bundle has only %d entries", len(b.Entries))}
		case i == len(b.Checkpoints)-1 && cp.Size != int64(len(b.Entries)):
			return nil, &VerifyError{where, -1, fmt.Errorf("the last checkpoint must cover all %d entries of the bundle", len(b.Entries))}
		}
		cps = append(cps, cp)
		r.Checkpoints++
	}
	for j, ok := range cosigned {
		if !ok {
			return nil, &VerifyError{fmt.Sprintf("witness %d (%s)", j, b.Witnesses[j].Name), -1, errors.New("it cosigned no checkpoint of the bundle: remove it")}
		}
	}
	return cps, nil
}

// verifier holds the state of one Verify over the entries.
type verifier struct {
	b      *Bundle
	talks  string
	auth   Authorizer
	r      *Report
	cps    []*Checkpoint
	nonces map[[16]byte]int64
	actors *actorIndex
	tree   []tlog.Hash // the roots of the perfect subtrees over the leaves so far, largest first
	nextCP int         // the next checkpoint to compare with the tree
}

// entries checks every entry in log order, in the pipeline of
// checkInOrder: the checks of one entry on all cores, those that need the
// entries before it in order.
func (v *verifier) entries(progress func(done, total int)) error {
	return checkInOrder(len(v.b.Entries), v.check, v.inOrder, progress)
}

// label names entry i for messages.
func label(i int, e *parley.Event) string {
	if e == nil {
		return fmt.Sprintf("entry %d", i)
	}
	return fmt.Sprintf("entry %d (%s by %s)", i, e.Kind, e.Actor)
}

// check does the checks of entry i that need no other entry.
func (v *verifier) check(i int) checked {
	en := &v.b.Entries[i]
	if en.Index != int64(i) {
		return checked{err: &VerifyError{label(i, nil), int64(i), fmt.Errorf("its index says %d: entries are out of order, missing or repeated", en.Index)}}
	}
	if en.Hidden() {
		return checked{leaf: parley.Hash(en.Leaf)}
	}
	e, err := parley.DecodeEvent(en.Event)
	if err != nil {
		return checked{err: &VerifyError{label(i, nil), int64(i), fmt.Errorf("the event does not decode: %w", err)}}
	}
	c := checked{ev: e}
	switch {
	case e.Talks != v.talks:
		c.err = fmt.Errorf("the event belongs to the talks %q, not %q", e.Talks, v.talks)
	case !ed25519.Verify(e.ActorKey(), parley.SignedMessage(v.b.Origin, en.Event), en.Sig):
		c.err = errors.New("signature does not verify")
	}
	if c.err != nil {
		c.err = &VerifyError{label(i, e), int64(i), c.err}
		return c
	}
	nonce, _ := base64.StdEncoding.DecodeString(e.Nonce) // 16 bytes, checked by DecodeEvent
	copy(c.nonce[:], nonce)
	c.leaf = LeafHash(en.Salt, en.Event, en.Sig)
	return c
}

// inOrder does the checks of entry i that need the entries before it.
func (v *verifier) inOrder(i int, c *checked) error {
	if c.err != nil {
		return c.err
	}
	if e := c.ev; e != nil {
		v.r.Events++
		v.r.Signatures++
		if j, ok := v.nonces[c.nonce]; ok {
			return &VerifyError{label(i, e), int64(i), fmt.Errorf("its nonce was used by entry %d: the event is recorded twice", j)}
		}
		v.nonces[c.nonce] = int64(i)
		if v.auth != nil {
			if err := v.auth.Authorize(e, int64(i)); err != nil {
				return &VerifyError{label(i, e), int64(i), fmt.Errorf("not authorized: %w", err)}
			}
			v.r.Authorized++
		}
		v.actors.add(e)
	} else {
		v.r.Hidden++
	}
	v.push(tlog.Hash(c.leaf), int64(i))
	v.r.Leaves++
	if v.nextCP == len(v.cps) {
		return nil
	}
	if cp := v.cps[v.nextCP]; cp.Size == int64(i)+1 {
		if parley.Hash(v.root()) != cp.Root {
			return &VerifyError{fmt.Sprintf("checkpoint %d (size %d)", v.nextCP, cp.Size), -1, errors.New("root does not match the entries")}
		}
		v.nextCP++
	}
	return nil
}

// push adds leaf number i to the tree: the stack holds the roots of the
// perfect subtrees that the binary digits of the size give, and a new leaf
// merges with every subtree of its size.
func (v *verifier) push(leaf tlog.Hash, i int64) {
	v.tree = append(v.tree, leaf)
	for n := i; n&1 == 1; n >>= 1 {
		k := len(v.tree)
		v.tree = append(v.tree[:k-2], tlog.NodeHash(v.tree[k-2], v.tree[k-1]))
	}
}

// root returns the RFC 6962 tree hash of the leaves pushed so far.
func (v *verifier) root() tlog.Hash {
	h := v.tree[len(v.tree)-1]
	for k := len(v.tree) - 2; k >= 0; k-- {
		h = tlog.NodeHash(v.tree[k], h)
	}
	return h
}

// checkActors compares the bundle's actors list, if any, with the keys the
// visible events name.
func (v *verifier) checkActors() error {
	if v.b.Actors == nil {
		return nil
	}
	got, want := v.b.Actors, v.actors.actors
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(want):
			return &VerifyError{"actors", -1, fmt.Errorf("actor %d (%s) is named by no visible event: remove it", i, got[i].Key)}
		case i >= len(got):
			return &VerifyError{"actors", -1, fmt.Errorf("the visible events name %s, which the list lacks", want[i].Key)}
		case got[i] != want[i]:
			return &VerifyError{"actors", -1, fmt.Errorf("actor %d is %s %q, but the visible events give %s %q", i, got[i].Key, got[i].Name, want[i].Key, want[i].Name)}
		}
	}
	return nil
}

// actorIndex lists the keys that events name, in order of first
// appearance, with the name the last roster event gave each.
type actorIndex struct {
	actors []Actor
	pos    map[string]int
}

func newActorIndex() *actorIndex { return &actorIndex{pos: map[string]int{}} }

func (x *actorIndex) name(key, name string, named bool) {
	i, ok := x.pos[key]
	if !ok {
		i = len(x.actors)
		x.pos[key] = i
		x.actors = append(x.actors, Actor{Key: key})
	}
	if named {
		x.actors[i].Name = name
	}
}

// add takes in one event: its signer, and the key and name a roster event
// gives. A payload that does not decode names nobody.
func (x *actorIndex) add(e *parley.Event) {
	x.name(e.Actor, "", false)
	switch p := e.Act.(type) {
	case *parley.FoundTalks:
		x.name(e.Actor, p.ConvenerName, true)
	case *parley.AddMediator:
		if validKey(p.Key) {
			x.name(p.Key, p.Name, true)
		}
	case *parley.AddActor:
		if validKey(p.Key) {
			x.name(p.Key, p.Name, true)
		}
	case *parley.RevokeActor:
		if validKey(p.Key) {
			x.name(p.Key, "", false)
		}
	}
}

func validKey(s string) bool {
	k, err := parley.ParseKey(s)
	return err == nil && parley.KeyString(k) == s
}
