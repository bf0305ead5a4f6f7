package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/storetest"
)

// waitForListen waits until a connection named app listens.
func waitForListen(t *testing.T, app string) {
	t.Helper()
	conn := adminConn(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		var listening bool
		err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle' AND query LIKE 'LISTEN %')`, app).Scan(&listening)
		if err != nil {
			t.Fatalf("no connection of %s listens: %v", app, err)
		}
		if listening {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A store hears of the appends committed through another store on the
// same schema, in order, and of no others.
func TestNotify(t *testing.T) {
	ctx := t.Context()
	schema := newSchema(t, false)
	app := randomName("parley_test_")
	listener := openStore(t, schema, "application_name", app)
	writer := openStore(t, schema)
	elsewhere := openStore(t, newSchema(t, false))

	type notice struct {
		talks string
		size  int64
	}
	got := make(chan notice, 100)
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() {
		done <- listener.Notify(lctx, func(talks string, size int64) { got <- notice{talks, size} })
	}()
	waitForListen(t, app)

	var want []notice
	appendTo := func(s *Store, talks string, n int, wantHeard bool) {
		t.Helper()
		at, err := s.Size(ctx, talks)
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.Append(ctx, talks, at, storetest.NewEntries(talks, fmt.Sprint("n", at), at, n), storetest.Seal(talks))
		if err != nil {
			t.Fatal(err)
		}
		if wantHeard {
			want = append(want, notice{talks, c.Size})
		}
	}
	appendTo(writer, "a", 2, true)
	appendTo(writer, "b", 1, true)
	appendTo(listener, "a", 3, true)
	appendTo(elsewhere, "a", 1, false)
	// A refused append is not announced.
	if _, err := writer.Append(ctx, "a", 1, storetest.NewEntries("a", "stale", 1, 1), storetest.Seal("a")); !errors.Is(err, parley.ErrStale) {
		t.Fatalf("stale append: got error %v, want ErrStale", err)
	}
	appendTo(writer, "a", 1, true)

	var heard []notice
	timeout := time.After(10 * time.Second)
	for len(heard) < len(want) {
		select {
		case n := <-got:
			heard = append(heard, n)
		case err := <-done:
			t.Fatalf("Notify returned %v", err)
		case <-timeout:
			t.Fatalf("heard %v, want %v", heard, want)
		}
	}
	// Nothing more comes.
	select {
	case n := <-got:
		heard = append(heard, n)
	case <-time.After(200 * time.Millisecond):
	}
	if !slices.Equal(heard, want) {
		t.Errorf("heard %v, want %v", heard, want)
	}

	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Notify after its context ended: got %v, want context.Canceled", err)
	}
}

func TestParseNotice(t *testing.T) {
	for _, tc := range []struct {
		payload string
		talks   string
		size    int64
		ok      bool
	}{
		{notice("moscow-2015", 12), "moscow-2015", 12, true},
		{"a 1", "a", 1, true},
		{"a", "", 0, false},
		{"a 0", "", 0, false},
		{"a -3", "", 0, false},
		{"a x", "", 0, false},
		{"Bad/Talks 3", "", 0, false},
		{"", "", 0, false},
	} {
		talks, size, ok := parseNotice(tc.payload)
		if talks != tc.talks || size != tc.size || ok != tc.ok {
			t.Errorf("parseNotice(%q) = %q, %d, %v; want %q, %d, %v", tc.payload, talks, size, ok, tc.talks, tc.size, tc.ok)
		}
	}
}
