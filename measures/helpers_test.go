package measures_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/measures"
)

// key returns a distinct actor key for n.
func key(n byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{n}, 32)) }

type actor struct{ role, party string }

// tb is the part of testing.TB that rapid.T has too.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
}

// talks is a talks as a Book sees it: parties, actors and measures. It
// counts the versions of each measure as the state would, one per plan.
type talks struct {
	parties  map[string]bool
	actors   map[string]actor
	versions map[string]int // measure → versions
}

func (t *talks) HasParty(id string) bool { return t.parties[id] }

func (t *talks) Actor(k string) (string, string, bool) {
	a, ok := t.actors[k]
	return a.role, a.party, ok
}

func (t *talks) Measure(id string) (int, bool) {
	n, ok := t.versions[id]
	return n, ok
}

// Actors of the tests.
var (
	mediator = key(1)
	govHead  = key(2)
	govDel   = key(3)
	oppHead  = key(4)
	thirdDel = key(5)
	neutral  = key(9)  // a verifier of no party
	neutral2 = key(10) // another
	govVer   = key(11) // a verifier of party gov: not neutral for gov's steps
	observer = key(12)
	revoked  = key(13) // a verifier no longer on the roster
)

func newTalks() *talks {
	return &talks{
		parties: map[string]bool{"gov": true, "opp": true, "third": true},
		actors: map[string]actor{
			mediator: {parley.RoleMediator, ""},
			govHead:  {parley.RoleHead, "gov"},
			govDel:   {parley.RoleDelegate, "gov"},
			oppHead:  {parley.RoleHead, "opp"},
			thirdDel: {parley.RoleDelegate, "third"},
			neutral:  {parley.RoleVerifier, ""},
			neutral2: {parley.RoleVerifier, ""},
			govVer:   {parley.RoleVerifier, "gov"},
			observer: {parley.RoleObserver, ""},
		},
		versions: map[string]int{"M1": 0, "M2": 0, "M3": 0},
	}
}

// world is a Book, its talks and a log: each act takes the next index.
type world struct {
	t     tb
	b     *measures.Book
	talks *talks
	next  int64
	marks []measures.Mark // of each act applied or agreement told, by index order
}

func newWorld(t tb) *world {
	return &world{t: t, b: measures.NewBook(), talks: newTalks()}
}

// try applies an act at the next index and time at; on success it takes
// the index and counts a plan as a version of its measure.
func (w *world) try(act measures.Act, by string, at time.Time) error {
	m := measures.Mark{Index: w.next, Time: at}
	if err := w.b.Apply(w.talks, act, by, m); err != nil {
		return err
	}
	if p, ok := act.(*measures.PlanMeasure); ok {
		w.talks.versions[p.Item]++
	}
	w.next++
	w.marks = append(w.marks, m)
	return nil
}

// do applies an act that must be accepted and returns its mark.
func (w *world) do(act measures.Act, by string, at time.Time) measures.Mark {
	w.t.Helper()
	if err := w.try(act, by, at); err != nil {
		w.t.Fatalf("%s by %s: %v", act.Kind(), by[:4], err)
	}
	return w.marks[len(w.marks)-1]
}

// agree tells the Book a measure became agreed (or not) at the next index.
func (w *world) agree(item string, agreed bool, at time.Time) measures.Mark {
	w.t.Helper()
	m := measures.Mark{Index: w.next, Time: at}
	if err := w.b.SetAgreed(item, agreed, m); err != nil {
		w.t.Fatal(err)
	}
	w.next++
	w.marks = append(w.marks, m)
	return m
}

func (w *world) status(step string, at measures.Mark) measures.StepStatus {
	w.t.Helper()
	s, ok := w.b.Step(step, at)
	if !ok {
		w.t.Fatalf("step %s: not in a plan as of %v", step, at)
	}
	return s
}

// day returns a time in May 2015, UTC.
func day(d, h int) time.Time { return time.Date(2015, 5, d, h, 0, 0, 0, time.UTC) }

func due(d, h int) string { return day(d, h).Format(time.RFC3339) }

// snapshot is everything the Book answers, as JSON, for checking that a
// refused act changed nothing.
func snapshot(b *measures.Book) string {
	far := measures.At(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
	var hist []any
	for _, id := range []string{"a", "b", "c", "d", "e", "f", "M1.t1", "x", "y"} {
		hist = append(hist, b.History(id, far))
	}
	j, _ := json.Marshal([]any{b.Measures(), b.Statuses(far), b.Records(far), b.Done(far), hist})
	return string(j)
}

// checkError checks that err is a *parley.Error with the code, whose
// message is lowercase and holds every part.
func checkError(t tb, err error, code string, parts ...string) {
	t.Helper()
	var pe *parley.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T), want a *parley.Error", err, err)
	}
	if pe.Code != code {
		t.Errorf("code %q, want %q (%s)", pe.Code, code, pe.Message)
	}
	if r, _ := utf8.DecodeRuneInString(pe.Message); unicode.IsUpper(r) {
		t.Errorf("message %q starts with a capital", pe.Message)
	}
	for _, p := range parts {
		if !bytes.Contains([]byte(pe.Message), []byte(p)) {
			t.Errorf("message %q does not say %q", pe.Message, p)
		}
	}
}

// sameMoves compares moves, their times as instants.
func sameMoves(a, b []measures.Move) bool {
	return slices.EqualFunc(a, b, func(x, y measures.Move) bool {
		s := x.Since.Equal(y.Since)
		x.Since, y.Since = time.Time{}, time.Time{}
		return s && x == y
	})
}
