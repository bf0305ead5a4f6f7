// Command gencmd writes a generated agreement instance as JSON, for
// benchmarks and for comparing parley agree with other solvers:
//
//	go run ./agreement/internal/gencmd -o paris.json
//
// The defaults give the Paris-scale instance of docs/AGREEMENT.md.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/parleyhq/parley/agreement"
)

func main() {
	p := agreement.ParisScale
	out := flag.String("o", "-", "the file to write, or - for standard output")
	seed := flag.Uint64("seed", 1, "the random seed")
	flag.IntVar(&p.Parties, "parties", p.Parties, "the number of parties")
	flag.IntVar(&p.Items, "items", p.Items, "the number of items")
	flag.Float64Var(&p.CondShare, "cond", p.CondShare, "the share of conditional stances")
	flag.IntVar(&p.MaxCondItems, "cond-items", p.MaxCondItems, "the most items a condition names")
	flag.Float64Var(&p.AndShare, "and", p.AndShare, "the share of conditions on several items joined by and")
	flag.Float64Var(&p.ObjectShare, "object", p.ObjectShare, "the share of items with a plain objection")
	flag.Float64Var(&p.NegShare, "neg", p.NegShare, "the share of conditions with a negated atom")
	flag.Parse()
	if err := write(*out, agreement.Generate(p, *seed)); err != nil {
		fmt.Fprintf(os.Stderr, "gencmd: %v\n", err)
		os.Exit(1)
	}
}

func write(path string, inst *agreement.Instance) error {
	f := os.Stdout
	if path != "-" {
		var err error
		if f, err = os.Create(path); err != nil {
			return err
		}
	}
	w := bufio.NewWriter(f)
	if err := json.NewEncoder(w).Encode(inst); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if path != "-" {
		return f.Close()
	}
	return nil
}
