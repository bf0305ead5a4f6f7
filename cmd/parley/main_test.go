package main

import (
	"context"
	"os"
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
	testscript.Run(t, testscript.Params{Dir: "testdata/script"})
}
