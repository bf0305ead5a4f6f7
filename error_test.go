package parley

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestCodesListsEveryCode checks Codes against the constants of error.go,
// so that a new code cannot be left out of the tables built from it.
func TestCodesListsEveryCode(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "error.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			for i, n := range s.(*ast.ValueSpec).Names {
				if !strings.HasPrefix(n.Name, "E") {
					continue
				}
				lit, ok := s.(*ast.ValueSpec).Values[i].(*ast.BasicLit)
				if !ok {
					continue
				}
				v, _ := strconv.Unquote(lit.Value)
				declared = append(declared, v)
			}
		}
	}
	if len(declared) < 10 {
		t.Fatalf("found %d codes in error.go; the scan is broken", len(declared))
	}
	if got := Codes(); !slices.Equal(got, declared) {
		t.Errorf("Codes() = %v, error.go declares %v", got, declared)
	}
}

func TestWrapf(t *testing.T) {
	inner := Errorf(EINVALID, "the paragraph is blank")
	args := make([]any, 1, 4)
	args[0] = "x"
	a := Wrapf(ENOTFOUND, "payload field %q: %s", inner, args...)
	b := Wrapf(EINVALID, "field %q: %s", inner, args...)
	if a.Code != ENOTFOUND || a.Message != `payload field "x": the paragraph is blank` {
		t.Errorf("got %q %q", a.Code, a.Message)
	}
	if a.Args[1] != inner || b.Args[1] != inner || len(a.Args) != 2 {
		t.Errorf("the inner error is not kept as the last argument: %v %v", a.Args, b.Args)
	}
	if len(args) != 1 {
		t.Errorf("Wrapf changed its caller's arguments: %v", args)
	}
	if got := Errorf(EFORBIDDEN, "the signer is %s", Key("%s of %s", "head", "gov")).Message; got != "the signer is head of gov" {
		t.Errorf("a phrase in a message: %q", got)
	}
}
