package main

import (
	"flag"
	"strings"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"golang.org/x/text/language"
)

// langHelp is the usage of the -lang flag of the commands that write for
// people in a language.
var langHelp = i18n.Key("write in `LANG`: en, ar or ru (default: PARLEY_LANG, else the locale of LC_ALL, LC_MESSAGES or LANG, else en)")

// outputLanguage returns the language a command writes in for people: its
// -lang flag if it has one and it is set, else PARLEY_LANG, else the
// POSIX locale (LC_ALL, LC_MESSAGES, LANG: "ar_SY.UTF-8" is Arabic),
// else English. A -lang or PARLEY_LANG that Parley does not speak is
// refused; a locale it does not speak (C, POSIX, de_DE) gives English.
func outputLanguage(e *env, fs *flag.FlagSet) (*i18n.Printer, error) {
	if ownLangFlag(fs) {
		if f := fs.Lookup("lang"); f.Value.String() != "" {
			return speaks("-lang", f.Value.String())
		}
	}
	if v := e.Getenv("PARLEY_LANG"); v != "" {
		return speaks("PARLEY_LANG", v)
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := e.Getenv(name)
		if v == "" {
			continue
		}
		// The first set of these decides, as POSIX says.
		v, _, _ = strings.Cut(v, ".")
		v, _, _ = strings.Cut(v, "@")
		p, err := speaks(name, strings.ReplaceAll(v, "_", "-"))
		if err != nil {
			return i18n.For(i18n.English), nil
		}
		return p, nil
	}
	return i18n.For(i18n.English), nil
}

// ownLangFlag reports whether fs has the -lang flag that names the
// language of the output (langHelp), and not one that names the language
// of a text, as "parley statement" has.
func ownLangFlag(fs *flag.FlagSet) bool {
	if fs == nil {
		return false
	}
	f := fs.Lookup("lang")
	return f != nil && f.Usage == langHelp
}

// speaks returns the printer of the language a setting names, or an
// error naming the setting.
func speaks(setting, v string) (*i18n.Printer, error) {
	t, err := language.Parse(v)
	if err == nil {
		b, _ := t.Base()
		for _, x := range i18n.Tags {
			if xb, _ := x.Base(); xb == b {
				return i18n.For(x), nil
			}
		}
	}
	codes := make([]string, len(i18n.Tags))
	for i, x := range i18n.Tags {
		codes[i] = i18n.Code(x)
	}
	return nil, &exitError{2, parley.Errorf(parley.EINVALID, "%s %q: Parley writes in %s; give one of them", setting, v, strings.Join(codes, ", "))}
}
