package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the scripts in testdata/script run "parley" as a command.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"parley": func() {
			err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
			os.Exit(exitCode(err, os.Stderr))
		},
	})
}

// TestScripts runs the command-line scripts in testdata/script: each is a
// txtar file of commands and expected output (see testscript's docs).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"setkey": setKey,
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
