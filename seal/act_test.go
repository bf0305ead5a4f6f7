package seal

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley"
)

// TestOpenAct opens the sealed payload of a caucus event as each kind of
// reader: a recipient, a recipient whose key was replaced since, a later
// recipient through a re-wrap, and someone it was not sealed to.
func TestOpenAct(t *testing.T) {
	ms := newMembers(t, XWing, 3) // ms[0] sends; ms[2] is not a recipient
	later := newMembers(t, X25519, 1)
	c := testContext
	c.Sender = ms[0].actor
	content := []byte(`{"text":"only for us"}`)
	s, err := Seal(c, content, recipientsOf(ms[:2]))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(s)
	e, err := parley.NewEvent("moscow-2015", parley.KindCaucus, ms[0].actor, time.Now(), parley.Caucus{Party: "oppA", Sealed: raw})
	if err != nil {
		t.Fatal(err)
	}
	got, gc, ok, err := Carried(c.Origin, e)
	if err != nil || !ok || gc.Origin != c.Origin || gc.Kind != c.Kind || gc.Channel != c.Channel || !gc.Sender.Equal(c.Sender) || got.Digest() != s.Digest() {
		t.Fatalf("Carried: %v, %+v, %v, %v; want the payload in the caucus context %+v", got, gc, ok, err, c)
	}
	if pt, err := OpenAct(c.Origin, e, ms[1].actor, []*PrivateKey{ms[1].priv}, nil); err != nil || string(pt) != string(content) {
		t.Errorf("a recipient opens %q, %v", pt, err)
	}
	// A recipient who replaced its key keeps the old one beside the new.
	newer, _ := GenerateKey(XWing)
	if pt, err := OpenAct(c.Origin, e, ms[1].actor, []*PrivateKey{newer, ms[1].priv}, nil); err != nil || string(pt) != string(content) {
		t.Errorf("a recipient with its old key among others opens %q, %v", pt, err)
	}
	if _, err := OpenAct(c.Origin, e, ms[1].actor, []*PrivateKey{newer}, nil); parley.ErrorCode(err) != parley.ENOTFOUND || !strings.Contains(err.Error(), "which you do not hold here") {
		t.Errorf("a recipient without the key it was sealed to: %v", err)
	}
	r, err := NewRewrap(c, s, ms[0].actor, ms[0].priv, nil, later[0].recipient())
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := OpenAct(c.Origin, e, later[0].actor, []*PrivateKey{later[0].priv}, []*Rewrap{r}); err != nil || string(pt) != string(content) {
		t.Errorf("a later recipient opens %q, %v", pt, err)
	}
	if _, err := OpenAct(c.Origin, e, ms[2].actor, []*PrivateKey{ms[2].priv}, []*Rewrap{r}); parley.ErrorCode(err) != parley.EFORBIDDEN {
		t.Errorf("someone it was not sealed to: %v, want forbidden", err)
	}
	// Another origin is another context: nothing opens.
	if _, err := OpenAct("elsewhere.example/talks/moscow-2015", e, ms[1].actor, []*PrivateKey{ms[1].priv}, nil); err == nil {
		t.Errorf("opened the payload for another origin")
	}
	// An event without a sealed payload.
	plain, _ := parley.NewEvent("moscow-2015", parley.KindCaucus, ms[0].actor, time.Now(), parley.Caucus{Party: "oppA", Text: "plain"})
	if _, _, ok, err := Carried(c.Origin, plain); ok || err != nil {
		t.Errorf("Carried of a plain message: %v, %v", ok, err)
	}
}
