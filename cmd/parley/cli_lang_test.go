package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// TestCommandLineSpeaksTheLanguage runs commands with PARLEY_LANG=ar and
// =ru, and with the locale LANG=ar_SY.UTF-8: the help, keygen, show and
// check of a small record, and errors, each in the language's script and
// with no English sentence of the interface left. With no language set,
// the same commands speak English.
func TestCommandLineSpeaksTheLanguage(t *testing.T) {
	dir := t.TempDir()
	base := map[string]string{"PARLEY_DIR": filepath.Join(dir, "data"), "PARLEY_TALKS": "t1"}
	cli := func(lang map[string]string, args ...string) (string, string, error) {
		t.Helper()
		getenv := func(k string) string {
			if v, ok := lang[k]; ok {
				return v
			}
			return base[k]
		}
		var out, errb bytes.Buffer
		err := run(context.Background(), args, getenv, strings.NewReader(""), &out, &errb)
		if err != nil {
			exitCode(err, &errb)
		}
		return out.String(), errb.String(), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, errs, err := cli(nil, args...)
		if err != nil {
			t.Fatalf("parley %s: %v\n%s", strings.Join(args, " "), err, errs)
		}
		return strings.TrimSpace(out)
	}
	key := func(name string) string { return filepath.Join(dir, name+".key") }
	must("keygen", "-o", key("conv"))
	med := must("keygen", "-o", key("med"))
	gov := must("keygen", "-o", key("gov"))
	opp := must("keygen", "-o", key("opp"))
	text := filepath.Join(dir, "d1.txt")
	if err := os.WriteFile(text, []byte("The parties [[shall || should]] meet again.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"init", "--key", key("conv"), "--title", "T1", "--name", "Host"},
		{"mediator", "add", med, "Med", "--key", key("conv")},
		{"party", "add", "gov", "Gov", "--key", key("med")},
		{"party", "add", "opp", "Opp", "--key", key("med")},
		{"roster", "add", gov, "GovHead", "--role", "head", "--party", "gov", "--key", key("med")},
		{"roster", "add", opp, "OppHead", "--role", "head", "--party", "opp", "--key", key("med")},
		{"round", "plan", "r1", "--title", "R1", "--starts", "2026-01-05", "--ends", "2026-01-09", "--key", key("med")},
		{"invite", "r1", "gov", "--key", key("med")},
		{"invite", "r1", "opp", "--key", key("med")},
		{"accept", "r1", "gov", "--key", key("gov")},
		{"decline", "r1", "opp", "--reason", "Busy", "--key", key("opp")},
		{"round", "open", "r1", "--key", key("med")},
		{"item", "add", "D1", "--title", "Decl", "--key", key("med")},
		{"version", "table", "D1", "--version", "1", "--file", text, "--key", key("med")},
		{"stance", "D1", "support", "--version", "1", "--party", "gov", "--key", key("gov")},
	} {
		must(args...)
	}

	// Each run: the command, and what is written (out, err or both).
	runs := [][]string{
		{"help"},
		{"help", "show"},
		{"help", "keygen"},
		{"keygen", "-o", "NEWKEY"},
		{"keygen", "-o", key("gov")},
		{"show"},
		{"check"},
		{"nosuchcommand"},
		{"round"},
		{"show", "--nosuchflag"},
		{"stance", "D1"},
	}
	// English sentences of the interface, of which none may be left.
	english := []string{"Usage:", "Commands:", "Flags:", "Run \"parley help", "wrote ", "give the public key", "Your public encryption key",
		"already exists", "events in the record", "VERSION", "STATUS", "not agreed", "support", "accepted", "declined", "blocked at the root",
		"no venue", "entries", "root ", "no command", "needs a subcommand", "flag provided", "takes 2 argument", "round r1",
		"found a talks", "show the state", "open a planned round", "ok t1"}
	for _, c := range []struct {
		name   string
		env    map[string]string
		script *unicode.RangeTable
	}{
		{"PARLEY_LANG=ar", map[string]string{"PARLEY_LANG": "ar"}, unicode.Arabic},
		{"PARLEY_LANG=ru", map[string]string{"PARLEY_LANG": "ru"}, unicode.Cyrillic},
		{"LANG=ar_SY.UTF-8", map[string]string{"LANG": "ar_SY.UTF-8"}, unicode.Arabic},
	} {
		for i, args := range runs {
			args = append([]string(nil), args...)
			for j, a := range args {
				if a == "NEWKEY" {
					args[j] = filepath.Join(dir, strings.NewReplacer("=", "", ".", "", "_", "").Replace(c.name)+".key")
				}
			}
			out, errs, _ := cli(c.env, args...)
			said := out + errs
			if !strings.ContainsFunc(said, func(r rune) bool { return unicode.Is(c.script, r) }) {
				t.Errorf("%s: parley %s wrote nothing in the language's script:\n%s", c.name, strings.Join(runs[i], " "), said)
			}
			for _, en := range english {
				if strings.Contains(said, en) {
					t.Errorf("%s: parley %s left the English %q:\n%s", c.name, strings.Join(runs[i], " "), en, said)
				}
			}
			if s := englishRun(said); s != "" {
				t.Errorf("%s: parley %s left English words %q:\n%s", c.name, strings.Join(runs[i], " "), s, said)
			}
		}
	}

	// With no language set, English.
	for _, args := range [][]string{{"help"}, {"show"}} {
		out, _, err := cli(map[string]string{}, args...)
		if err != nil || strings.ContainsFunc(out, func(r rune) bool { return unicode.In(r, unicode.Arabic, unicode.Cyrillic) }) {
			t.Errorf("parley %s without a language: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	if out, _, _ := cli(nil, "show"); !strings.Contains(out, "events in the record") || !strings.Contains(out, "opp: declined (Busy)") {
		t.Errorf("show in English:\n%s", out)
	}
	// A language Parley does not speak, asked for by name, is refused.
	if _, errs, err := cli(map[string]string{"PARLEY_LANG": "de"}, "help"); err == nil || !strings.Contains(errs, "en, ar, ru") {
		t.Errorf("PARLEY_LANG=de: %v %s, want a refusal", err, errs)
	}
}

// englishRun returns the first run of three or more English words in s
// outside quotes, the text of a sentence of the interface left untranslated;
// commands, flags, ids and keys are single words or quoted.
func englishRun(s string) string {
	s = regexp.MustCompile(`"[^"]*"|\x60[^\x60]*\x60|\S*[/=:_.]\S*|-\S+|\[[^\]]*\]`).ReplaceAllString(s, " | ")
	return regexp.MustCompile(`[A-Za-z]+(?: [A-Za-z]+){2,}`).FindString(s)
}
