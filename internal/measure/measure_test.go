package measure

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestVerifyRate(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("a stance")
	rate, _ := VerifyRate(pub, msg, ed25519.Sign(priv, msg), 20*time.Millisecond)
	if rate <= 0 {
		t.Errorf("VerifyRate = %v verifications/s, want more than none", rate)
	}
	defer func() {
		if recover() == nil {
			t.Error("VerifyRate of a signature that does not verify did not panic")
		}
	}()
	VerifyRate(pub, []byte("another"), ed25519.Sign(priv, msg), time.Millisecond)
}

func TestCPUTime(t *testing.T) {
	before := CPUTime()
	x := 0
	for i := range 50_000_000 {
		x += i % 7
	}
	if x == 0 || CPUTime() < before {
		t.Errorf("CPUTime went from %v to %v", before, CPUTime())
	}
}

func TestSyncTime(t *testing.T) {
	dir := t.TempDir()
	d, err := SyncTime(dir, 5)
	if err != nil || d <= 0 {
		t.Errorf("SyncTime = %v, %v; want a positive time", d, err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("SyncTime left %d files in its directory", len(left))
	}
	if _, err := SyncTime(dir, 0); err == nil {
		t.Error("SyncTime of no syncs did not fail")
	}
	if _, err := SyncTime(filepath.Join(dir, "missing"), 1); err == nil {
		t.Error("SyncTime in a missing directory did not fail")
	}
}
