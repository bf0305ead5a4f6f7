package ledger_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"sync"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/seal"
	"github.com/parleyhq/parley/state"
)

// The caucus benchmark's talks: sealParties parties, each with a head and
// two delegates, and the mediator. The first half of the parties and the
// mediator publish X-Wing encryption keys, so that their caucus is sealed
// (to the party's three actors and the mediator); the other half publish
// none, so that theirs is still in plain text.
const (
	sealParties   = 200
	sealDelegates = 2
	sealText      = 280 // bytes of a message's text
)

// sealFixture sets up the caucus benchmark's talks in dir.
func sealFixture(b *testing.B, dir string) *fixture {
	f := newFixtureIn(b, dir, sealParties)
	enc := func(who string) {
		k, err := seal.GenerateKey(seal.XWing)
		if err != nil {
			b.Fatal(err)
		}
		f.must(b, who, parley.KindEncryptionKey, parley.EncryptionKey{Key: k.Public().String()})
	}
	enc("mediator")
	for i := 0; i < sealParties; i++ {
		p := fmt.Sprintf("p%d", i)
		for d := 0; d < sealDelegates; d++ {
			n := fmt.Sprintf("%s-d%d", p, d)
			f.key(n)
			f.must(b, p, parley.KindAddActor, parley.AddActor{Key: f.pub(n), Name: "Delegate " + n, Role: parley.RoleDelegate, Party: p})
			if i < sealParties/2 {
				enc(n)
			}
		}
		if i < sealParties/2 {
			enc(p)
		}
	}
	return f
}

// caucusMessages signs n caucus messages of random parties, each by the
// party's head: sealed to its recipients in the sealed half, in plain
// text in the other.
func (f *fixture) caucusMessages(b *testing.B, n int, sealed bool) []parley.SignedEvent {
	var roster map[string][]seal.Recipient // by party
	err := f.l.View(context.Background(), "t1", func(st *state.Talks, _ parley.Checkpoint) error {
		roster = map[string][]seal.Recipient{}
		for i := 0; i < sealParties/2; i++ {
			p := fmt.Sprintf("p%d", i)
			for _, a := range st.Roster.CaucusRecipients(p) {
				k, _ := parley.ParseKey(a.Key)
				pk, err := seal.ParsePublicKey(a.EncryptionKey)
				if err != nil {
					return err
				}
				roster[p] = append(roster[p], seal.Recipient{Actor: k, Key: pk})
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	text := make([]byte, sealText)
	for i := range text {
		text[i] = 'a' + byte(i%26)
	}
	out := make([]parley.SignedEvent, n)
	for i := range out {
		k := mrand.IntN(sealParties / 2)
		if !sealed {
			k += sealParties / 2
		}
		p := fmt.Sprintf("p%d", k)
		c := parley.Caucus{Party: p}
		if sealed {
			content, _ := json.Marshal(parley.CaucusContent{Text: string(text)})
			s, err := seal.Seal(seal.Context{Origin: parley.Origin(host, "t1"), Kind: parley.KindCaucus, Channel: parley.VisParty(p), Sender: f.keys[p].Public().(ed25519.PublicKey)}, content, roster[p])
			if err != nil {
				b.Fatal(err)
			}
			if c.Sealed, err = json.Marshal(s); err != nil {
				b.Fatal(err)
			}
		} else {
			c.Text = string(text)
		}
		out[i] = f.sign(b, p, parley.KindCaucus, c)
	}
	return out
}

// BenchmarkAppendCaucus measures durable appends of caucus messages per
// second, sealed (to a party's three actors and the mediator, X-Wing) and
// in plain text, in the same run, by 1 and 16 concurrent writers, on the
// disk and in memory: what sealing costs the host, which checks each
// sealed payload without a key (its form, every recipient's key, its
// binding and its recipients) and stores it, about 14 KB against 0.6 KB.
// The messages are sealed and signed before the clock starts: that is the
// senders' work (BenchmarkSeal in package seal).
func BenchmarkAppendCaucus(b *testing.B) {
	for _, medium := range []string{onDisk, inMemory} {
		b.Run("medium="+medium, func(b *testing.B) {
			dir := b.TempDir()
			if medium == inMemory {
				if fi, err := os.Stat("/dev/shm"); err != nil || !fi.IsDir() {
					b.Skip("no /dev/shm here to keep the talks in memory")
				}
				d, err := os.MkdirTemp("/dev/shm", "parley-bench-")
				if err != nil {
					b.Skipf("cannot keep the talks in /dev/shm: %v", err)
				}
				b.Cleanup(func() { os.RemoveAll(d) })
				dir = d
			}
			f := sealFixture(b, dir)
			for _, writers := range []int{1, 16} {
				for _, kind := range []string{"plain", "sealed"} {
					b.Run(fmt.Sprintf("writers=%d/%s", writers, kind), func(b *testing.B) {
						events := f.caucusMessages(b, b.N, kind == "sealed")
						ch := make(chan parley.SignedEvent, len(events))
						size := 0
						for _, se := range events {
							ch <- se
							size += len(se.Bytes)
						}
						close(ch)
						ctx := context.Background()
						b.ResetTimer()
						var wg sync.WaitGroup
						for w := 0; w < writers; w++ {
							wg.Add(1)
							go func() {
								defer wg.Done()
								for se := range ch {
									if _, err := f.l.Append(ctx, se); err != nil {
										b.Error(err)
										return
									}
								}
							}()
						}
						wg.Wait()
						b.StopTimer()
						b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
						b.ReportMetric(float64(size)/float64(b.N), "bytes/event")
					})
				}
			}
		})
	}
}
