// Package storetest is the conformance suite of parley.Store: every
// implementation runs Test against itself, so that all of them behave the
// same.
//
// Beyond the comments of parley.Store, the suite holds a store to these
// rules:
//
//   - Append numbers the entries at, at+1, …, ignoring their Index; an
//     entry's Talks is empty or the talks appended to. A zero Received is
//     set to the time of the append; Received is kept to the microsecond at
//     least.
//   - Append refuses with parley.EINVALID a malformed talks id
//     (parley.ValidTalksID), a negative at, no entries, a nil SealFunc, and
//     an entry with no event bytes, no signature, no nonce or a salt that is
//     not 32 bytes. It fails, storing nothing, if the SealFunc fails or
//     returns an empty note. A nonce repeated within one batch is
//     parley.ErrDuplicate like one already in the log. When an append is
//     both stale and duplicate, either error may be returned.
//   - Entries(from, to) needs 0 ≤ from ≤ to (else EINVALID), serves at most
//     MaxEntries entries per call (ETOOLARGE for a wider range, whatever
//     the size of the log) and answers ENOTFOUND when to exceeds the size.
//   - ReadHashes answers ENOTFOUND for an index not stored and EINVALID for
//     a negative one; Checkpoint answers ENOTFOUND when there is no
//     checkpoint at the size (there is none at 0) and EINVALID for a size
//     below -1; Size is 0 for an unknown talks. Every method answers
//     EINVALID for a malformed talks id.
//   - ListTalks sorts ids by bytes (in PostgreSQL, COLLATE "C"), and so
//     does ListTalksPage, whose pages, read one after the other, list the
//     same ids as ListTalks; a talks whose only append failed is in
//     neither.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
)

// MaxEntries is the most entries a store must serve in one call to
// Entries, and the widest range it may serve.
const MaxEntries = 10000

// Test runs the conformance suite. It calls newStore for a new, empty store
// in each of its subtests and closes the store at the end of the subtest.
func Test(t *testing.T, newStore func(t *testing.T) parley.Store) {
	tests := []struct {
		name string
		run  func(*harness)
	}{
		{"Empty", testEmpty},
		{"AppendAndRead", testAppendAndRead},
		{"Proofs", testProofs},
		{"Stale", testStale},
		{"Duplicate", testDuplicate},
		{"SealFails", testSealFails},
		{"Invalid", testInvalid},
		{"ReadErrors", testReadErrors},
		{"Received", testReceived},
		{"Canceled", testCanceled},
		{"Concurrent", testConcurrent},
		{"Independent", testIndependent},
		{"ListTalks", testListTalks},
		{"ListTalksPage", testListTalksPage},
		{"Property", testProperty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tt.run(&harness{t: t, ctx: t.Context(), s: s, m: newModel()})
		})
	}
}

// A harness drives a store and a model of it side by side.
type harness struct {
	t   *testing.T
	ctx context.Context
	s   parley.Store
	m   *model
}

var errSeal = errors.New("storetest: the seal failed on purpose")

// append appends entries to talks at at in the store and in the model,
// sealing with Seal(talks) or, if !sealOK, with a seal that fails. It
// checks that both come to the same outcome and, when the append is
// accepted, to the same checkpoint, and returns the outcome.
func (h *harness) append(talks string, at int64, entries []parley.Entry, sealOK bool) outcome {
	h.t.Helper()
	o, _, err := appendBoth(h.ctx, h.s, h.m, talks, at, entries, sealOK)
	if err != nil {
		h.t.Fatal(err)
	}
	return o
}

// appendBoth is harness.append for any kind of test; it returns a
// description of any disagreement as an error.
func appendBoth(ctx context.Context, s parley.Store, m *model, talks string, at int64, entries []parley.Entry, sealOK bool) (outcome, parley.Checkpoint, error) {
	in := slices.Clone(entries)
	want, wantCP, err := m.append(talks, at, entries, sealOK)
	if err != nil {
		return 0, parley.Checkpoint{}, fmt.Errorf("model: %v", err)
	}
	type call struct {
		size int64
		root parley.Hash
	}
	var calls []call
	seal := func(size int64, root parley.Hash) ([]byte, error) {
		calls = append(calls, call{size, root})
		if !sealOK {
			return nil, errSeal
		}
		return Note(talks, size, root), nil
	}
	got, err := s.Append(ctx, talks, at, entries, seal)
	if d := checkOutcome(err, want, errSeal); d != "" {
		return 0, parley.Checkpoint{}, fmt.Errorf("Append(%q, at %d, %d entries): %s", talks, at, len(entries), d)
	}
	for i := range in {
		if d := diffEntry(entries[i], in[i]); d != "" || entries[i].Index != in[i].Index {
			return 0, parley.Checkpoint{}, fmt.Errorf("Append(%q, at %d) changed entry %d of its argument: %s", talks, at, i, d)
		}
	}
	if want != accepted {
		return want, parley.Checkpoint{}, nil
	}
	if d := diffCheckpoint(got, wantCP); d != "" {
		return 0, parley.Checkpoint{}, fmt.Errorf("Append(%q, at %d, %d entries) returned a checkpoint with %s", talks, at, len(entries), d)
	}
	if len(calls) != 1 || calls[0].size != wantCP.Size || calls[0].root != wantCP.Root {
		return 0, parley.Checkpoint{}, fmt.Errorf("Append(%q, at %d, %d entries) called the seal with (size, root) %v, want once with (%d, %x)", talks, at, len(entries), calls, wantCP.Size, wantCP.Root)
	}
	return want, got, nil
}

// mustAppend appends entries at the end of the log of talks and checks
// that the store accepts them as the model does.
func (h *harness) mustAppend(talks string, entries []parley.Entry) {
	h.t.Helper()
	if o := h.append(talks, h.m.size(talks), entries, true); o != accepted {
		h.t.Fatalf("append to %q: %v, want accepted", talks, o)
	}
}

// check compares everything observable about the logs of names, and
// ListTalks, with the model.
func (h *harness) check(names ...string) {
	h.t.Helper()
	got, err := readState(h.ctx, h.s, names, func(string) bool { return true })
	if err != nil {
		h.t.Fatal(err)
	}
	if d := diffState(got, h.m.state(names)); d != "" {
		h.t.Fatal(d)
	}
}

// snapshot reads everything observable about the logs of names.
func (h *harness) snapshot(names ...string) state {
	h.t.Helper()
	st, err := readState(h.ctx, h.s, names, func(string) bool { return true })
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

// unchanged checks that the logs of names look as in before.
func (h *harness) unchanged(before state, names []string, after string) {
	h.t.Helper()
	if d := diffState(h.snapshot(names...), before); d != "" {
		h.t.Fatalf("after %s, the store changed: %s", after, d)
	}
}

func testEmpty(h *harness) {
	t, ctx, s := h.t, h.ctx, h.s
	if n, err := s.Size(ctx, "unknown"); n != 0 || err != nil {
		t.Errorf("Size of an unknown talks = %d, %v; want 0, nil", n, err)
	}
	if ids, err := s.ListTalks(ctx); len(ids) != 0 || err != nil {
		t.Errorf("ListTalks of an empty store = %q, %v; want none", ids, err)
	}
	if es, err := s.Entries(ctx, "unknown", 0, 0); len(es) != 0 || err != nil {
		t.Errorf("Entries(0, 0) of an unknown talks = %d entries, %v; want none, nil", len(es), err)
	}
	if _, err := s.Entries(ctx, "unknown", 0, 1); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("Entries(0, 1) of an unknown talks: got error %v, want code %s", err, parley.ENOTFOUND)
	}
	if hs, err := s.ReadHashes(ctx, "unknown", nil); len(hs) != 0 || err != nil {
		t.Errorf("ReadHashes of no indexes = %d hashes, %v; want none, nil", len(hs), err)
	}
	if _, err := s.ReadHashes(ctx, "unknown", []int64{0}); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("ReadHashes([0]) of an unknown talks: got error %v, want code %s", err, parley.ENOTFOUND)
	}
	for _, size := range []int64{-1, 0, 1} {
		if _, err := s.Checkpoint(ctx, "unknown", size); parley.ErrorCode(err) != parley.ENOTFOUND {
			t.Errorf("Checkpoint(%d) of an unknown talks: got error %v, want code %s", size, err, parley.ENOTFOUND)
		}
	}
	h.check("unknown")
}

func testAppendAndRead(h *harness) {
	const talks = "moscow-2015"
	for i, n := range []int{1, 2, 3, 7, 1, 16, 1, 33} {
		at := h.m.size(talks)
		entries := NewEntries(talks, fmt.Sprint("batch", i), at, n)
		for j := range entries {
			// The store numbers entries itself and takes an empty Talks
			// for the talks appended to.
			entries[j].Index = 1000 + int64(j)
			if j%2 == 1 {
				entries[j].Talks = ""
			}
		}
		h.mustAppend(talks, entries)
		h.check(talks)
	}

	// Every range of the log reads back as the model has it.
	want := h.m.logs[talks].entries
	size := int64(len(want))
	for from := int64(0); from <= size; from++ {
		for to := from; to <= size; to += 1 + to/8 {
			got, err := h.s.Entries(h.ctx, talks, from, to)
			if err != nil {
				h.t.Fatalf("Entries(%d, %d): %v", from, to, err)
			}
			if int64(len(got)) != to-from {
				h.t.Fatalf("Entries(%d, %d) returned %d entries, want %d", from, to, len(got), to-from)
			}
			for i := range got {
				if d := diffEntry(got[i], want[from+int64(i)]); d != "" {
					h.t.Fatalf("Entries(%d, %d), entry %d: %s", from, to, from+int64(i), d)
				}
			}
		}
	}

	// The stored hashes agree with a computation from the leaves alone, and
	// each checkpoint's root with tlog.TreeHash over them.
	var leaves []parley.Hash
	for _, e := range want {
		leaves = append(leaves, e.Leaf)
	}
	hashes, err := storedHashes(leaves)
	if err != nil {
		h.t.Fatal(err)
	}
	st := h.snapshot(talks)
	for i, hash := range st.Logs[0].Hashes {
		if hash != parley.Hash(hashes[i]) {
			h.t.Fatalf("stored hash %d = %x, want %x", i, hash, hashes[i])
		}
	}
	if len(st.Logs[0].Checkpoints) != 8 {
		h.t.Fatalf("%d checkpoints after 8 appends, want 8", len(st.Logs[0].Checkpoints))
	}
	for _, c := range st.Logs[0].Checkpoints {
		root, err := tlog.TreeHash(c.Size, sliceReader(hashes))
		if err != nil {
			h.t.Fatal(err)
		}
		if c.Root != parley.Hash(root) {
			h.t.Errorf("checkpoint at size %d has root %x, want tlog.TreeHash %x", c.Size, c.Root, root)
		}
	}
	if l := st.Logs[0].Latest; l == nil || l.Size != size {
		h.t.Errorf("Checkpoint(-1) = %+v, want the one at size %d", l, size)
	}
}

func testProofs(h *harness) {
	const talks = "proofs"
	for i, n := range []int{1, 1, 2, 5, 8, 3, 17} {
		h.mustAppend(talks, NewEntries(talks, fmt.Sprint("batch", i), h.m.size(talks), n))
	}
	r := storeReader(h.ctx, h.s, talks)
	st := h.snapshot(talks)
	entries := st.Logs[0].Entries
	cps := st.Logs[0].Checkpoints
	for _, c := range cps {
		for n := int64(0); n < c.Size; n++ {
			p, err := tlog.ProveRecord(c.Size, n, r)
			if err != nil {
				h.t.Fatalf("ProveRecord(%d, %d): %v", c.Size, n, err)
			}
			if err := tlog.CheckRecord(p, c.Size, tlog.Hash(c.Root), n, tlog.Hash(entries[n].Leaf)); err != nil {
				h.t.Errorf("the proof of entry %d in the checkpoint at size %d does not check: %v", n, c.Size, err)
			}
		}
		for _, old := range cps {
			if old.Size >= c.Size {
				break
			}
			p, err := tlog.ProveTree(c.Size, old.Size, r)
			if err != nil {
				h.t.Fatalf("ProveTree(%d, %d): %v", c.Size, old.Size, err)
			}
			if err := tlog.CheckTree(p, c.Size, tlog.Hash(c.Root), old.Size, tlog.Hash(old.Root)); err != nil {
				h.t.Errorf("the consistency proof from size %d to %d does not check: %v", old.Size, c.Size, err)
			}
		}
	}
	// A tree larger than the log cannot be hashed.
	size := int64(len(entries))
	if _, err := tlog.TreeHash(size+1, r); err == nil {
		h.t.Errorf("TreeHash(%d) on a log of %d entries succeeded, want an error", size+1, size)
	}
}

func testStale(h *harness) {
	const talks = "stale"
	h.mustAppend(talks, NewEntries(talks, "a", 0, 3))
	names := []string{talks, "unknown"}
	before := h.snapshot(names...)
	for _, at := range []int64{0, 2, 4, 100} {
		if o := h.append(talks, at, NewEntries(talks, "b", 0, 2), true); o != refusedStale {
			h.t.Fatalf("append at %d to a log of 3: %v, want %v", at, o, refusedStale)
		}
		h.unchanged(before, names, fmt.Sprintf("a stale append at %d", at))
	}
	// A stale append to an unknown talks does not create it.
	if o := h.append("unknown", 1, NewEntries("unknown", "b", 0, 1), true); o != refusedStale {
		h.t.Fatalf("append at 1 to an unknown talks: %v, want %v", o, refusedStale)
	}
	h.unchanged(before, names, "a stale append to an unknown talks")
	h.mustAppend(talks, NewEntries(talks, "c", 3, 2))
	h.check(names...)
}

func testDuplicate(h *harness) {
	const talks = "dup"
	h.mustAppend(talks, NewEntries(talks, "a", 0, 4))
	names := []string{talks, "other", "fresh"}
	before := h.snapshot(names...)

	// A nonce already in the log, last in the batch so that the entries
	// before it were already written when it is met.
	es := NewEntries(talks, "b", 4, 3)
	es[2].Nonce = h.m.logs[talks].entries[1].Nonce
	if o := h.append(talks, 4, es, true); o != refusedDuplicate {
		h.t.Fatalf("append of a nonce in the log: %v, want %v", o, refusedDuplicate)
	}
	h.unchanged(before, names, "a duplicate nonce")

	// A nonce twice in one batch.
	es = NewEntries(talks, "c", 4, 3)
	es[2].Nonce = es[0].Nonce
	if o := h.append(talks, 4, es, true); o != refusedDuplicate {
		h.t.Fatalf("append of a nonce twice in a batch: %v, want %v", o, refusedDuplicate)
	}
	h.unchanged(before, names, "a nonce twice in a batch")

	// The same in the first batch of a new talks does not create it.
	es = NewEntries("fresh", "c", 0, 2)
	es[1].Nonce = es[0].Nonce
	if o := h.append("fresh", 0, es, true); o != refusedDuplicate {
		h.t.Fatalf("first append to a talks with a nonce twice: %v, want %v", o, refusedDuplicate)
	}
	h.unchanged(before, names, "a nonce twice in the first batch of a talks")

	// A nonce is unique within a talks only.
	es = NewEntries("other", "a", 0, 2)
	for i := range es {
		es[i].Nonce = h.m.logs[talks].entries[i].Nonce
	}
	h.mustAppend("other", es)
	h.mustAppend(talks, NewEntries(talks, "d", 4, 2))
	h.check(names...)
}

func testSealFails(h *harness) {
	const talks = "seal"
	h.mustAppend(talks, NewEntries(talks, "a", 0, 2))
	names := []string{talks, "fresh"}
	before := h.snapshot(names...)
	if o := h.append(talks, 2, NewEntries(talks, "b", 2, 3), false); o != refusedSeal {
		h.t.Fatalf("append with a failing seal: %v, want %v", o, refusedSeal)
	}
	h.unchanged(before, names, "an append whose seal failed")
	if o := h.append("fresh", 0, NewEntries("fresh", "b", 0, 3), false); o != refusedSeal {
		h.t.Fatalf("first append to a talks with a failing seal: %v, want %v", o, refusedSeal)
	}
	h.unchanged(before, names, "a first append whose seal failed")

	// A seal that returns no note fails the append too.
	empty := func(int64, parley.Hash) ([]byte, error) { return nil, nil }
	if _, err := h.s.Append(h.ctx, talks, 2, NewEntries(talks, "c", 2, 1), empty); err == nil {
		h.t.Fatalf("Append with a seal returning an empty note succeeded, want an error")
	}
	h.unchanged(before, names, "an append sealed with an empty note")

	// The same entries go in once the seal works.
	h.mustAppend(talks, NewEntries(talks, "b", 2, 3))
	h.check(names...)
}

func testInvalid(h *harness) {
	const talks = "invalid"
	h.mustAppend(talks, NewEntries(talks, "a", 0, 1))
	seal := Seal(talks)
	entry := func(change func(*parley.Entry)) []parley.Entry {
		es := NewEntries(talks, "b", 1, 3)
		change(&es[1])
		return es
	}
	cases := []struct {
		name    string
		talks   string
		at      int64
		entries []parley.Entry
		seal    parley.SealFunc
	}{
		{"malformed talks id", "Not A Talks", 0, NewEntries("x", "b", 0, 1), seal},
		{"empty talks id", "", 0, NewEntries("x", "b", 0, 1), seal},
		{"negative at", talks, -1, NewEntries(talks, "b", 1, 1), seal},
		{"no entries", talks, 1, nil, seal},
		{"nil seal", talks, 1, NewEntries(talks, "b", 1, 1), nil},
		{"another talks", talks, 1, entry(func(e *parley.Entry) { e.Talks = "other" }), seal},
		{"no event", talks, 1, entry(func(e *parley.Entry) { e.Event = nil }), seal},
		{"no signature", talks, 1, entry(func(e *parley.Entry) { e.Sig = []byte{} }), seal},
		{"no nonce", talks, 1, entry(func(e *parley.Entry) { e.Nonce = "" }), seal},
		{"short salt", talks, 1, entry(func(e *parley.Entry) { e.Salt = e.Salt[:31] }), seal},
		{"long salt", talks, 1, entry(func(e *parley.Entry) { e.Salt = append(e.Salt, 0) }), seal},
		{"no salt", talks, 1, entry(func(e *parley.Entry) { e.Salt = nil }), seal},
	}
	names := []string{talks, "x"}
	before := h.snapshot(names...)
	for _, c := range cases {
		_, err := h.s.Append(h.ctx, c.talks, c.at, c.entries, c.seal)
		if parley.ErrorCode(err) != parley.EINVALID {
			h.t.Errorf("Append with %s: got error %v, want code %s", c.name, err, parley.EINVALID)
		}
		h.unchanged(before, names, "an append with "+c.name)
	}
	h.mustAppend(talks, NewEntries(talks, "b", 1, 3))
	h.check(names...)
}

func testReadErrors(h *harness) {
	const talks = "reads"
	h.mustAppend(talks, NewEntries(talks, "a", 0, 5))
	t, ctx, s := h.t, h.ctx, h.s
	for _, r := range []struct {
		from, to int64
		code     string
	}{
		{-1, 2, parley.EINVALID},
		{3, 2, parley.EINVALID},
		{0, 6, parley.ENOTFOUND},
		{5, 6, parley.ENOTFOUND},
		{6, 6, parley.ENOTFOUND},
		{9, 12, parley.ENOTFOUND},
		{0, MaxEntries, parley.ENOTFOUND},
		{0, MaxEntries + 1, parley.ETOOLARGE},
		{3, 3 + MaxEntries + 1, parley.ETOOLARGE},
		{0, 1 << 62, parley.ETOOLARGE},
	} {
		if es, err := s.Entries(ctx, talks, r.from, r.to); parley.ErrorCode(err) != r.code {
			t.Errorf("Entries(%d, %d) of a log of 5 = %d entries, error %v; want code %s", r.from, r.to, len(es), err, r.code)
		}
	}
	for _, r := range [][2]int64{{0, 0}, {5, 5}, {4, 5}, {0, 5}} {
		if es, err := s.Entries(ctx, talks, r[0], r[1]); err != nil || int64(len(es)) != r[1]-r[0] {
			t.Errorf("Entries(%d, %d) of a log of 5 = %d entries, error %v; want %d entries", r[0], r[1], len(es), err, r[1]-r[0])
		}
	}
	count := tlog.StoredHashCount(5)
	if _, err := s.ReadHashes(ctx, talks, []int64{0, -1}); parley.ErrorCode(err) != parley.EINVALID {
		t.Errorf("ReadHashes with index -1: got error %v, want code %s", err, parley.EINVALID)
	}
	if _, err := s.ReadHashes(ctx, talks, []int64{0, count, 1}); parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Errorf("ReadHashes with index %d of %d stored: got error %v, want code %s", count, count, err, parley.ENOTFOUND)
	}
	// Indexes in any order, repeated, come back in the order asked.
	all, err := s.ReadHashes(ctx, talks, []int64{0, 1, 2, 3, 4, 5, 6, 7})
	if err != nil {
		t.Fatal(err)
	}
	order := []int64{7, 0, 3, 3, 7, 1}
	got, err := s.ReadHashes(ctx, talks, order)
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range order {
		if i >= len(got) || got[i] != all[k] {
			t.Fatalf("ReadHashes(%v) = %x, want hashes %v of %x", order, got, order, all)
		}
	}
	for _, size := range []int64{-2, -100} {
		if _, err := s.Checkpoint(ctx, talks, size); parley.ErrorCode(err) != parley.EINVALID {
			t.Errorf("Checkpoint(%d): got error %v, want code %s", size, err, parley.EINVALID)
		}
	}
	for _, size := range []int64{0, 3, 6} {
		if _, err := s.Checkpoint(ctx, talks, size); parley.ErrorCode(err) != parley.ENOTFOUND {
			t.Errorf("Checkpoint(%d) of a log of 5 appended at once: got error %v, want code %s", size, err, parley.ENOTFOUND)
		}
	}
	const bad = "Bad/Talks"
	if _, err := s.Size(ctx, bad); parley.ErrorCode(err) != parley.EINVALID {
		t.Errorf("Size(%q): got error %v, want code %s", bad, err, parley.EINVALID)
	}
	if _, err := s.Entries(ctx, bad, 0, 0); parley.ErrorCode(err) != parley.EINVALID {
		t.Errorf("Entries(%q): got error %v, want code %s", bad, err, parley.EINVALID)
	}
	if _, err := s.ReadHashes(ctx, bad, []int64{0}); parley.ErrorCode(err) != parley.EINVALID {
		t.Errorf("ReadHashes(%q): got error %v, want code %s", bad, err, parley.EINVALID)
	}
	if _, err := s.Checkpoint(ctx, bad, -1); parley.ErrorCode(err) != parley.EINVALID {
		t.Errorf("Checkpoint(%q): got error %v, want code %s", bad, err, parley.EINVALID)
	}
	h.check(talks)
}

func testReceived(h *harness) {
	const talks = "received"
	ctx, s := h.ctx, h.s
	es := NewEntries(talks, "a", 0, 3)
	es[0].Received = time.Time{}
	es[1].Received = time.Date(2015, time.April, 9, 17, 30, 0, 123456789, time.FixedZone("MSK", 3*3600))
	before := time.Now()
	if _, err := s.Append(ctx, talks, 0, es, Seal(talks)); err != nil {
		h.t.Fatal(err)
	}
	after := time.Now()
	got, err := s.Entries(ctx, talks, 0, 3)
	if err != nil {
		h.t.Fatal(err)
	}
	if r := got[0].Received; r.Before(before.Add(-time.Second)) || r.After(after.Add(time.Second)) {
		h.t.Errorf("an entry appended with a zero Received at %v has Received %v, want the time of the append", before, r)
	}
	if d := got[1].Received.Sub(es[1].Received); d <= -time.Microsecond || d >= time.Microsecond {
		h.t.Errorf("Received = %v, want %v to the microsecond", got[1].Received, es[1].Received)
	}
	if !got[2].Received.Equal(es[2].Received) {
		h.t.Errorf("Received = %v, want %v", got[2].Received, es[2].Received)
	}
}

func testCanceled(h *harness) {
	const talks = "canceled"
	h.mustAppend(talks, NewEntries(talks, "a", 0, 2))
	names := []string{talks}
	before := h.snapshot(names...)

	ctx, cancel := context.WithCancel(h.ctx)
	cancel()
	if _, err := h.s.Append(ctx, talks, 2, NewEntries(talks, "b", 2, 2), Seal(talks)); err == nil {
		h.t.Fatalf("Append with a canceled context succeeded, want an error")
	}
	h.unchanged(before, names, "an append with a canceled context")

	// Canceled while sealing: the append either fails and stores nothing,
	// or succeeds and stores everything.
	ctx, cancel = context.WithCancel(h.ctx)
	defer cancel()
	es := NewEntries(talks, "c", 2, 2)
	seal := func(size int64, root parley.Hash) ([]byte, error) {
		cancel()
		return Note(talks, size, root), nil
	}
	if _, err := h.s.Append(ctx, talks, 2, es, seal); err != nil {
		h.unchanged(before, names, "an append canceled while sealing")
	} else if o, _, err := h.m.append(talks, 2, es, true); o != accepted || err != nil {
		h.t.Fatalf("model: %v, %v", o, err)
	}
	// The store still works.
	h.mustAppend(talks, NewEntries(talks, "d", h.m.size(talks), 3))
	h.check(names...)
}

func testConcurrent(h *harness) {
	const (
		talks   = "concurrent"
		workers = 8
		batches = 6
	)
	t, ctx, s := h.t, h.ctx, h.s
	var (
		mu      sync.Mutex
		sizes   = map[int64]parley.Checkpoint{}
		retries int
		wg      sync.WaitGroup
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				seed := fmt.Sprintf("w%d-b%d", w, b)
				n := 1 + (w+b)%3
				for try := 0; ; try++ {
					if try == 1000 {
						t.Errorf("worker %d: still stale after %d tries", w, try)
						return
					}
					at, err := s.Size(ctx, talks)
					if err != nil {
						t.Errorf("Size: %v", err)
						return
					}
					c, err := s.Append(ctx, talks, at, NewEntries(talks, seed, 0, n), Seal(talks))
					if errors.Is(err, parley.ErrStale) {
						mu.Lock()
						retries++
						mu.Unlock()
						continue
					}
					if err != nil {
						t.Errorf("Append at %d: %v", at, err)
						return
					}
					mu.Lock()
					if old, ok := sizes[c.Size]; ok {
						t.Errorf("two appends returned checkpoints of size %d: %x and %x", c.Size, old.Root, c.Root)
					}
					sizes[c.Size] = c
					mu.Unlock()
					break
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	t.Logf("%d appends, %d stale tries retried", len(sizes), retries)

	// The log holds every batch once, whole and in order, with no gaps.
	st := h.snapshot(talks)
	log := st.Logs[0]
	total := 0
	for w := range workers {
		for b := range batches {
			total += 1 + (w+b)%3
		}
	}
	if log.Size != int64(total) || len(log.Entries) != total {
		t.Fatalf("size %d with %d entries after appending %d, want %d", log.Size, len(log.Entries), total, total)
	}
	first := map[string][]parley.Entry{} // the batches by their first nonce
	for w := range workers {
		for b := range batches {
			batch := NewEntries(talks, fmt.Sprintf("w%d-b%d", w, b), 0, 1+(w+b)%3)
			first[batch[0].Nonce] = batch
		}
	}
	var leaves []parley.Hash
	for i := 0; i < total; {
		batch, ok := first[log.Entries[i].Nonce]
		if !ok {
			t.Fatalf("entry %d does not start a batch, or starts one seen before", i)
		}
		delete(first, log.Entries[i].Nonce)
		if i+len(batch) > total {
			t.Fatalf("the batch at entry %d is cut by the end of the log", i)
		}
		for j, want := range batch {
			want.Index = int64(i + j)
			if d := diffEntry(log.Entries[i+j], want); d != "" {
				t.Fatalf("entry %d, %d of its batch: %s", i+j, j, d)
			}
			leaves = append(leaves, want.Leaf)
		}
		i += len(batch)
	}

	// Every append left one checkpoint, consistent with the final log.
	hashes, err := storedHashes(leaves)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffLog(log, logState{
		Talks: talks, Size: log.Size, Entries: log.Entries, Hashes: toHashes(hashes),
		Checkpoints: log.Checkpoints, Latest: log.Latest,
	}); d != "" {
		t.Fatal(d)
	}
	if len(log.Checkpoints) != len(sizes) {
		t.Fatalf("%d checkpoints stored, want one for each of %d appends", len(log.Checkpoints), len(sizes))
	}
	for _, c := range log.Checkpoints {
		root, err := tlog.TreeHash(c.Size, sliceReader(hashes))
		if err != nil {
			t.Fatal(err)
		}
		want := parley.Checkpoint{Talks: talks, Size: c.Size, Root: parley.Hash(root), Note: Note(talks, c.Size, parley.Hash(root))}
		if d := diffCheckpoint(c, want); d != "" {
			t.Errorf("stored checkpoint at size %d: %s", c.Size, d)
		}
		if d := diffCheckpoint(sizes[c.Size], want); d != "" {
			t.Errorf("checkpoint returned by the append to size %d: %s", c.Size, d)
		}
	}
}

func toHashes(hs []tlog.Hash) []parley.Hash {
	out := make([]parley.Hash, len(hs))
	for i, h := range hs {
		out[i] = parley.Hash(h)
	}
	return out
}

func testIndependent(h *harness) {
	names := []string{"alpha", "beta"}
	for i := range 6 {
		for j, talks := range names {
			if (i+j)%3 == 2 {
				continue
			}
			h.mustAppend(talks, NewEntries(talks, "a", h.m.size(talks), 1+i%4))
		}
	}
	h.check(names...)
	// A refused append to one talks leaves the other alone, and the other
	// talks may be appended to at the same size.
	before := h.snapshot(names...)
	if o := h.append("alpha", h.m.size("beta")+1, NewEntries("alpha", "b", 0, 1), true); o != refusedStale {
		h.t.Fatalf("stale append: %v, want %v", o, refusedStale)
	}
	h.unchanged(before, names, "a stale append to alpha")
	h.mustAppend("beta", NewEntries("beta", "c", h.m.size("beta"), 2))
	h.mustAppend("alpha", NewEntries("alpha", "c", h.m.size("alpha"), 2))
	h.check(names...)
}

func testListTalks(h *harness) {
	// Byte order puts '-' before digits before letters; a collation that
	// ignores punctuation would not.
	ids := []string{"b", "a-b", "ab", "a1", "a-1", "a", "0", "a-", "z9-x", "a0"}
	for _, id := range ids {
		h.mustAppend(id, NewEntries(id, "a", 0, 1))
	}
	want := slices.Clone(ids)
	slices.Sort(want)
	got, err := h.s.ListTalks(h.ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		h.t.Errorf("ListTalks = %q, want %q", got, want)
	}
	h.check(ids...)
}

func testListTalksPage(h *harness) {
	t, ctx, s := h.t, h.ctx, h.s
	if ids, err := s.ListTalksPage(ctx, "", 10); len(ids) != 0 || err != nil {
		t.Errorf("ListTalksPage(\"\", 10) of an empty store = %q, %v; want none", ids, err)
	}
	ids := []string{"b", "a-b", "ab", "a1", "a-1", "a", "0", "a-", "z9-x", "a0"}
	for _, id := range ids {
		h.mustAppend(id, NewEntries(id, "a", 0, 1))
	}
	// A talks whose first append failed has no log and is not listed.
	if o := h.append("a00", 0, NewEntries("a00", "a", 0, 1), false); o != refusedSeal {
		t.Fatalf("append with a failing seal: %v, want %v", o, refusedSeal)
	}
	all := slices.Clone(ids)
	slices.Sort(all)
	after := func(id string) []string {
		var out []string
		for _, x := range all {
			if x > id {
				out = append(out, x)
			}
		}
		return out
	}
	// Every cursor, listed or not, with every limit.
	cursors := append([]string{"", "00", "a00", "a-0", "a2", "c", "zz"}, ids...)
	for _, c := range cursors {
		for limit := 1; limit <= len(all)+1; limit++ {
			want := after(c)
			want = want[:min(limit, len(want))]
			got, err := s.ListTalksPage(ctx, c, limit)
			if err != nil || !slices.Equal(got, want) {
				t.Errorf("ListTalksPage(%q, %d) = %q, %v; want %q", c, limit, got, err, want)
			}
		}
	}
	// Reading page after page lists every talks once, in order.
	for limit := 1; limit <= 4; limit++ {
		var got []string
		for cursor, pages := "", 0; pages <= len(all); pages++ {
			page, err := s.ListTalksPage(ctx, cursor, limit)
			if err != nil {
				t.Fatalf("ListTalksPage(%q, %d): %v", cursor, limit, err)
			}
			got = append(got, page...)
			if len(page) < limit {
				break
			}
			cursor = page[len(page)-1]
		}
		if !slices.Equal(got, all) {
			t.Errorf("pages of %d = %q, want %q", limit, got, all)
		}
	}
	if got, err := s.ListTalksPage(ctx, "", parley.MaxTalksPage); err != nil || !slices.Equal(got, all) {
		t.Errorf("ListTalksPage(\"\", %d) = %q, %v; want %q", parley.MaxTalksPage, got, err, all)
	}
	for _, c := range []struct {
		after string
		limit int
	}{
		{"", 0}, {"", -1}, {"", parley.MaxTalksPage + 1}, {"a", 1 << 40},
		{"A", 5}, {"a b", 5}, {"a/b", 5}, {"\x00", 5}, {"é", 5},
	} {
		if got, err := s.ListTalksPage(ctx, c.after, c.limit); parley.ErrorCode(err) != parley.EINVALID {
			t.Errorf("ListTalksPage(%q, %d) = %q, %v; want code %s", c.after, c.limit, got, err, parley.EINVALID)
		}
	}
	h.check(ids...)
}
