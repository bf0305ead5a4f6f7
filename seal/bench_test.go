package seal

import (
	"encoding/json"
	"fmt"
	"testing"
)

// The benchmarks of docs/BENCHMARKS.md, "Sealing":
//
//	go test ./seal -run '^$' -bench . -benchtime 20x -count 5
//
// Seal is the sender's cost, Open one recipient's, Parse the host's
// keyless check of a payload it receives (decoding, every recipient's key,
// sizes, canonical form) with CheckContext.

var benchSizes = []int{2, 20, 200}

// benchContent is a caucus message of a typical length.
var benchContent = make([]byte, 1000)

func BenchmarkSeal(b *testing.B) {
	for _, kem := range KEMs() {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/recipients=%d", kem, n), func(b *testing.B) {
				rs := recipientsOf(newMembers(b, kem, n))
				b.ResetTimer()
				for b.Loop() {
					if _, err := Seal(testContext, benchContent, rs); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	for _, kem := range KEMs() {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/recipients=%d", kem, n), func(b *testing.B) {
				ms := newMembers(b, kem, n)
				s, err := Seal(testContext, benchContent, recipientsOf(ms))
				if err != nil {
					b.Fatal(err)
				}
				m := ms[n/2]
				b.ResetTimer()
				for b.Loop() {
					if _, err := Open(testContext, s, m.actor, m.priv); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkParse(b *testing.B) {
	for _, kem := range KEMs() {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%s/recipients=%d", kem, n), func(b *testing.B) {
				ms := newMembers(b, kem, n)
				s, err := Seal(testContext, benchContent, recipientsOf(ms))
				if err != nil {
					b.Fatal(err)
				}
				js, err := json.Marshal(s)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(js)))
				b.ResetTimer()
				for b.Loop() {
					p, err := Parse(js)
					if err != nil {
						b.Fatal(err)
					}
					if err := p.CheckContext(testContext); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
