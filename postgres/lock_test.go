package postgres

import (
	"context"
	"testing"
	"time"
)

// TestLockTalks checks that two stores (as two processes) take turns on a
// talks' lock, that other talks are not held up, and that a lock whose
// holder lets go is granted to the one waiting.
func TestLockTalks(t *testing.T) {
	needPostgres(t)
	schema := newSchema(t, false)
	a, b := openStore(t, schema), openStore(t, schema)
	ctx := t.Context()
	unlock, err := a.LockTalks(ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	// Another talks is free.
	other, err := b.LockTalks(ctx, "t2")
	if err != nil {
		t.Fatal(err)
	}
	other()
	// The same talks waits.
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if u, err := b.LockTalks(short, "t1"); err == nil {
		u()
		t.Fatal("a second store took the lock of a talks another holds")
	}
	got := make(chan error, 1)
	go func() {
		u, err := b.LockTalks(ctx, "t1")
		if err == nil {
			u()
		}
		got <- err
	}()
	time.Sleep(100 * time.Millisecond)
	unlock()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("the waiting store: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting store never got the lock after it was released")
	}
}
