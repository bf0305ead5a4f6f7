package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/parleyhq/parley/record"
)

// TestMain lets the scripts in testdata/script run "parley" as a command.
func TestMain(m *testing.M) {
	// Tests that need a real "parley" process run the test binary itself.
	if os.Getenv("PARLEY_TEST_EXEC") == "1" {
		main()
	}
	testscript.Main(englishTests{m}, map[string]func(){
		"parley": func() {
			err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
			os.Exit(exitCode(err, os.Stderr))
		},
	})
}

// englishTests runs the tests without the language settings of the
// machine they run on: the tests that pass os.Getenv to run read English,
// as a run with no language set does. A script sets PARLEY_LANG or LANG
// itself to test another language.
type englishTests struct{ m *testing.M }

func (t englishTests) Run() int {
	for _, k := range []string{"PARLEY_LANG", "LC_ALL", "LC_MESSAGES", "LANG"} {
		os.Unsetenv(k)
	}
	return t.m.Run()
}

// TestScripts runs the command-line scripts in testdata/script: each is a
// txtar file of commands and expected output (see testscript's docs).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"setkey":     setKey,
			"replace":    replaceInFile,
			"logkey":     logKeyOf,
			"bundlesize": bundleSize,
			"add":        addInts,
		},
	})
}

// setKey sets an environment variable to the contents of a file, trimmed:
// "setkey NAME FILE".
func setKey(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: setkey NAME FILE")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
}

// replaceInFile replaces the first occurrence of OLD by NEW in a file:
// "replace FILE OLD NEW".
func replaceInFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: replace FILE OLD NEW")
	}
	path := ts.MkAbs(args[0])
	b, err := os.ReadFile(path)
	ts.Check(err)
	if !strings.Contains(string(b), args[1]) {
		ts.Fatalf("%s does not contain %q", args[0], args[1])
	}
	ts.Check(os.WriteFile(path, []byte(strings.Replace(string(b), args[1], args[2], 1)), 0o644))
}

// logKeyOf sets $LOGKEY to the log key of a bundle: "logkey BUNDLE".
func logKeyOf(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: logkey BUNDLE")
	}
	b, err := record.ParseBundle([]byte(ts.ReadFile(args[0])))
	ts.Check(err)
	ts.Setenv("LOGKEY", b.LogKey)
}

// bundleSize sets $SIZE to the number of entries of a bundle and $SIGNED
// to the number of events it shows, each signed, the hidden ones left
// out: "bundlesize BUNDLE". A script counts from them what the demo
// recorded, rather than from a number that changes with the scenario.
func bundleSize(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: bundlesize BUNDLE")
	}
	b, err := record.ParseBundle([]byte(ts.ReadFile(args[0])))
	ts.Check(err)
	signed := 0
	for _, e := range b.Entries {
		if !e.Hidden() {
			signed++
		}
	}
	ts.Setenv("SIZE", strconv.Itoa(len(b.Entries)))
	ts.Setenv("SIGNED", strconv.Itoa(signed))
}

// addInts sets an environment variable to the sum of integers: "add NAME
// A B ...".
func addInts(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: add NAME A B ...")
	}
	sum := 0
	for _, a := range args[1:] {
		n, err := strconv.Atoi(a)
		ts.Check(err)
		sum += n
	}
	ts.Setenv(args[0], strconv.Itoa(sum))
}
