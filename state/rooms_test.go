package state

import (
	"testing"

	"github.com/parleyhq/parley"
)

// TestEveryKindHasARoom checks that every kind of the table of kinds is
// checked by one room of the state, and no other kind.
func TestEveryKindHasARoom(t *testing.T) {
	for _, s := range parley.Specs() {
		if checks[s.Kind] == nil {
			t.Errorf("kind %s has no check in any room of the state", s.Kind)
		}
	}
	if len(checks) != len(parley.Specs()) {
		t.Errorf("the state checks %d kinds, the table has %d", len(checks), len(parley.Specs()))
	}
}
