package parley_test

import (
	"os"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
)

// TestKindTableDocumented checks that the table of who may sign each kind
// in docs/RECORD.md §9 is the table of kinds, row for row.
func TestKindTableDocumented(t *testing.T) {
	b, err := os.ReadFile("docs/RECORD.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "## 9. Authorization replay")
	if !ok {
		t.Fatal("docs/RECORD.md has no section 9. Authorization replay")
	}
	start := strings.Index(sec, "| kind | payload | who may sign |")
	if start < 0 {
		t.Fatal("docs/RECORD.md §9 has no table of kinds")
	}
	end := strings.Index(sec[start:], "\n\n")
	doc := sec[start : start+end+1]
	if want := parley.SignersText(); doc != want {
		t.Errorf("docs/RECORD.md §9's table:\n%s\nthe table of kinds (parley.SignersText):\n%s", doc, want)
	}
}

// TestKindTable checks that every kind has a payload type, and that the
// kinds the roster makes, encryption keys and witnessing are always
// public.
func TestKindTable(t *testing.T) {
	for _, s := range parley.Specs() {
		if s.New() == nil || s.Who.Format == "" || s.Payload == "" {
			t.Errorf("kind %s lacks its payload or its signers", s.Kind)
		}
		public := strings.HasPrefix(s.Kind, "roster.") || s.Kind == parley.KindFoundTalks || s.Kind == parley.KindEncryptionKey || s.Kind == parley.KindCosign || s.Kind == parley.KindForkEvidence
		if s.AlwaysPublic != public {
			t.Errorf("kind %s: always public %v, want %v", s.Kind, s.AlwaysPublic, public)
		}
		if parley.Spec(s.Kind) == nil || !parley.KnownKind(s.Kind) {
			t.Errorf("kind %s is in the table but not known", s.Kind)
		}
	}
}

// TestPayloadTablesDocumented checks that docs/RECORD.md §9.1 lists the
// members of every payload exactly as the Go types have them.
func TestPayloadTablesDocumented(t *testing.T) {
	b, err := os.ReadFile("docs/RECORD.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "### 9.1 Payloads")
	if !ok {
		t.Fatal("docs/RECORD.md has no section 9.1 Payloads")
	}
	start := strings.Index(sec, "| kind | payload members |")
	end := strings.Index(sec, "\n## ")
	if start < 0 || end < start {
		t.Fatal("docs/RECORD.md §9.1 has no table of payloads")
	}
	doc := strings.TrimRight(sec[start:end], "\n") + "\n"
	if want := parley.PayloadsText(); doc != want {
		t.Errorf("docs/RECORD.md §9.1's tables:\n%s\nthe payload types (parley.PayloadsText):\n%s", doc, want)
	}
}
