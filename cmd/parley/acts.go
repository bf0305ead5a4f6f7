package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/record"
)

// An act is a command that signs one event and appends it to the record.
type act struct {
	name, args, summary, help string
	kind                      string
	nargs                     int                                                // positional arguments wanted
	flags                     func(fs *flag.FlagSet)                             // the act's own flags
	payload                   func(fs *flag.FlagSet, args []string) (any, error) // builds the payload
}

func init() {
	for _, a := range acts {
		a := a
		register(&command{
			Name:     a.name,
			Usage:    "[flags] " + a.args,
			Summary:  a.summary,
			Help:     a.help,
			HelpTail: actHelp,
			Flags: func(fs *flag.FlagSet) {
				actFlags(fs)
				if a.flags != nil {
					a.flags(fs)
				}
			},
			Run: func(ctx context.Context, e *env, fs *flag.FlagSet) error { return runAct(ctx, e, fs, a) },
		})
	}
}

// actHelp ends the help of every act: how it is signed and where it goes.
var actHelp = i18n.Key(`The act is signed here with the actor key (--key), then sent to the server
named by --server, or appended to the record in the local database (--dir,
--db). Locally it is signed for the log origin <host>/talks/<id> that the
talks' log key names (for a talks being founded, --host chooses it); a
--host or PARLEY_HOST that names another host is refused before anything
is stored. It prints the event's log index.`)

func actFlags(fs *flag.FlagSet) {
	dataFlags(fs)
	fs.String("key", "", i18n.Key("the actor key file that signs the act (env PARLEY_KEY)"))
	fs.String("talks", "", i18n.Key("the talks id (env PARLEY_TALKS)"))
	fs.String("vis", "", i18n.Key("narrow who may see the act: participants, party:ID or mediators (default: the talks' visibility)"))
	fs.String("server", "", i18n.Key("send the act to this server instead of the local record (env PARLEY_SERVER)"))
}

func runAct(ctx context.Context, e *env, fs *flag.FlagSet, a *act) error {
	if len(e.Args) != a.nargs {
		return &exitError{2, parley.Errorf(parley.EINVALID, "%s takes %d argument(s): %s; see \"parley help %s\"", a.name, a.nargs, a.args, a.name)}
	}
	talks := opt(e, fs, "talks", "PARLEY_TALKS", "")
	if talks == "" {
		return &exitError{2, parley.Errorf(parley.EINVALID, "no talks: pass --talks ID or set PARLEY_TALKS")}
	}
	key, err := readKey(opt(e, fs, "key", "PARLEY_KEY", ""))
	if err != nil {
		return err
	}
	payload, err := a.payload(fs, e.Args)
	if err != nil {
		return err
	}
	ev, err := parley.NewEvent(talks, a.kind, key.Public().(ed25519.PublicKey), time.Now(), payload)
	if err != nil {
		return err
	}
	ev.Vis = fs.Lookup("vis").Value.String()
	c, err := newAPIClient(e, fs)
	if err != nil {
		return err
	}
	var rec *record.Receipt
	if c != nil {
		// The key signs here; the server only checks and records.
		host, err := c.host(ctx)
		if err != nil {
			return err
		}
		se, err := parley.Sign(parley.Origin(host, talks), ev, key)
		if err != nil {
			return err
		}
		rec = new(record.Receipt)
		if err := c.do(ctx, "POST", "/api/v1/talks/"+url.PathEscape(talks)+"/events", se, rec); err != nil {
			return err
		}
	} else {
		// Sign for the origin the talks' log was made for.
		l, closeStore, err := openTalks(ctx, e, fs, talks)
		if err != nil {
			return err
		}
		defer closeStore()
		se, err := parley.Sign(l.Origin(talks), ev, key)
		if err != nil {
			return err
		}
		if rec, err = l.Append(ctx, se); err != nil {
			return err
		}
	}
	fmt.Fprintln(e.Stdout, e.P.T("recorded %[1]s in %[2]s at index %[3]s", a.kind, talks, e.P.Digits(rec.Index)))
	return nil
}

func str(fs *flag.FlagSet, name string) string { return fs.Lookup(name).Value.String() }

func intFlag(fs *flag.FlagSet, name string) (int, error) {
	n, err := strconv.Atoi(str(fs, name))
	if err != nil || n < 0 {
		return 0, &exitError{2, parley.Errorf(parley.EINVALID, "--%s wants a whole number", name)}
	}
	return n, nil
}

// parseRule parses consensus, consensus_minus:N or majority:Q.
func parseRule(s string) (parley.Rule, error) {
	kind, arg, _ := strings.Cut(s, ":")
	r := parley.Rule{Kind: kind}
	var err error
	switch kind {
	case parley.RuleConsensusMinus:
		r.N, err = strconv.Atoi(arg)
	case parley.RuleMajority:
		r.Threshold, err = strconv.ParseFloat(arg, 64)
	default:
		if arg != "" {
			err = parley.Errorf(parley.EINVALID, "no argument")
		}
	}
	if err == nil {
		err = r.Check()
	}
	if err != nil {
		return r, &exitError{2, parley.Errorf(parley.EINVALID, "rule %q: want consensus, consensus_minus:N or majority:Q (Q in (0,1]): %v", s, err)}
	}
	return r, nil
}

// readParagraphs reads a version's text: a JSON array of strings if the file
// ends in .json, else paragraphs separated by blank lines.
func readParagraphs(path string) ([]string, error) {
	if path == "" {
		return nil, &exitError{2, parley.Errorf(parley.EINVALID, "--file is required: the text of the version")}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(path, ".json") {
		var ps []string
		if err := json.Unmarshal(b, &ps); err != nil {
			return nil, parley.Errorf(parley.EINVALID, "%s: want a JSON array of paragraph strings: %v", path, err)
		}
		return ps, nil
	}
	var ps []string
	for _, p := range strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			ps = append(ps, strings.Join(strings.Fields(p), " "))
		}
	}
	return ps, nil
}

func list(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// titlesFlag collects --title-in LANG=TITLE, once for each language.
type titlesFlag map[string]string

func (f titlesFlag) String() string { return "" }

func (f titlesFlag) Set(s string) error {
	lang, title, ok := strings.Cut(s, "=")
	switch {
	case !ok || lang == "" || title == "":
		return parley.Errorf(parley.EINVALID, "%q: want LANG=TITLE, such as ar=إعلان", s)
	case f[lang] != "":
		return parley.Errorf(parley.EINVALID, "%q: the title in %s is given twice", s, lang)
	}
	f[lang] = title
	return nil
}

// titlesOf returns the titles --title-in gave, or nil.
func titlesOf(fs *flag.FlagSet) map[string]string {
	f, _ := fs.Lookup("title-in").Value.(titlesFlag)
	if len(f) == 0 {
		return nil
	}
	return f
}

var acts = []*act{
	{
		name: "init", kind: parley.KindFoundTalks, summary: i18n.Key("found a talks; the signer becomes its convener"),
		help: i18n.Key("Init founds the talks named by --talks with its title, the convener's name and the decision rule."),
		flags: func(fs *flag.FlagSet) {
			fs.String("title", "", i18n.Key("the talks' title (required)"))
			fs.String("name", "", i18n.Key("the convener's name (required)"))
			fs.String("rule", "consensus", i18n.Key("decision rule: consensus, consensus_minus:N or majority:Q"))
			fs.String("visibility", "participants", i18n.Key("who sees acts by default: public or participants"))
			fs.Bool("proximity", false, i18n.Key("proximity talks: a party sees only its own stances and what mediators release"))
			fs.String("description", "", i18n.Key("a longer description"))
			fs.String("languages", "", i18n.Key("the official languages, as BCP 47 tags separated by commas (ar,ru,en): every version of a text is then tabled in each"))
			fs.Var(titlesFlag{}, "title-in", i18n.Key("the title in an official language, as `LANG=TITLE` (repeat for each)"))
		},
		payload: func(fs *flag.FlagSet, _ []string) (any, error) {
			r, err := parseRule(str(fs, "rule"))
			return parley.FoundTalks{Title: str(fs, "title"), ConvenerName: str(fs, "name"), Rule: r,
				Visibility: str(fs, "visibility"), Proximity: str(fs, "proximity") == "true", Description: str(fs, "description"),
				Languages: list(str(fs, "languages")), Titles: titlesOf(fs)}, err
		},
	},
	{
		name: "mediator add", args: "KEY NAME", nargs: 2, kind: parley.KindAddMediator,
		summary: i18n.Key("name a mediator (convener only)"), help: i18n.Key("Mediator add puts KEY on the roster as a mediator named NAME."),
		payload: func(_ *flag.FlagSet, a []string) (any, error) { return parley.AddMediator{Key: a[0], Name: a[1]}, nil },
	},
	{
		name: "party add", args: "PARTY NAME", nargs: 2, kind: parley.KindAddParty,
		summary: i18n.Key("add a party to the talks"), help: i18n.Key("Party add adds the party with id PARTY and its full NAME."),
		payload: func(_ *flag.FlagSet, a []string) (any, error) { return parley.AddParty{Party: a[0], Name: a[1]}, nil },
	},
	{
		name: "roster add", args: "KEY NAME", nargs: 2, kind: parley.KindAddActor,
		summary: i18n.Key("put an actor on the roster with a role"),
		help:    i18n.Key("Roster add binds KEY to a role: head or delegate of a party, observer or verifier."),
		flags: func(fs *flag.FlagSet) {
			fs.String("role", "delegate", i18n.Key("head, delegate, observer or verifier"))
			fs.String("party", "", i18n.Key("the party of a head or delegate"))
		},
		payload: func(fs *flag.FlagSet, a []string) (any, error) {
			return parley.AddActor{Key: a[0], Name: a[1], Role: str(fs, "role"), Party: str(fs, "party")}, nil
		},
	},
	{
		name: "roster revoke", args: "KEY", nargs: 1, kind: parley.KindRevokeActor,
		summary: i18n.Key("take a key off the roster (lost or stolen)"), help: i18n.Key("Roster revoke stops KEY from acting from now on."),
		flags: func(fs *flag.FlagSet) { fs.String("reason", "", i18n.Key("why (required)")) },
		payload: func(fs *flag.FlagSet, a []string) (any, error) {
			return parley.RevokeActor{Key: a[0], Reason: str(fs, "reason")}, nil
		},
	},
	{
		name: "round plan", args: "ROUND", nargs: 1, kind: parley.KindPlanRound,
		summary: i18n.Key("plan a round with dates and venue"), help: i18n.Key("Round plan plans the round with id ROUND."),
		flags: func(fs *flag.FlagSet) {
			fs.String("title", "", i18n.Key("the round's title (required)"))
			fs.String("starts", "", i18n.Key("first day, YYYY-MM-DD"))
			fs.String("ends", "", i18n.Key("last day, YYYY-MM-DD"))
			fs.String("venue", "", i18n.Key("where it meets"))
			fs.Bool("sandbox", false, i18n.Key("a round for practice: its acts count, but a briefing of an earlier round does not count it as a later round"))
		},
		payload: func(fs *flag.FlagSet, a []string) (any, error) {
			return parley.PlanRound{Round: a[0], Title: str(fs, "title"), Starts: str(fs, "starts"), Ends: str(fs, "ends"), Venue: str(fs, "venue"), Sandbox: str(fs, "sandbox") == "true"}, nil
		},
	},
	{
		name: "round open", args: "ROUND", nargs: 1, kind: parley.KindOpenRound,
		summary: i18n.Key("open a planned round"), help: i18n.Key("Round open opens ROUND; parties take stances only in an open round."),
		payload: func(_ *flag.FlagSet, a []string) (any, error) { return parley.RoundRef{Round: a[0]}, nil },
	},
	{
		name: "round close", args: "ROUND", nargs: 1, kind: parley.KindCloseRound,
		summary: i18n.Key("close an open round"), help: i18n.Key("Round close closes ROUND; nothing more can be recorded in it."),
		flags: func(fs *flag.FlagSet) { fs.String("note", "", i18n.Key("a closing note")) },
		payload: func(fs *flag.FlagSet, a []string) (any, error) {
			return parley.CloseRound{Round: a[0], Note: str(fs, "note")}, nil
		},
	},
	{
		name: "invite", args: "ROUND PARTY", nargs: 2, kind: parley.KindInvite,
		summary: i18n.Key("invite a party to a round"), help: i18n.Key("Invite asks PARTY to ROUND."),
		payload: func(_ *flag.FlagSet, a []string) (any, error) {
			return parley.Invitation{Round: a[0], Party: a[1]}, nil
		},
	},
	{
		name: "accept", args: "ROUND PARTY", nargs: 2, kind: parley.KindAcceptInvitation,
		summary: i18n.Key("accept a party's invitation to a round"), help: i18n.Key("Accept answers PARTY's invitation to ROUND: it will attend."),
		payload: func(_ *flag.FlagSet, a []string) (any, error) {
			return parley.Invitation{Round: a[0], Party: a[1]}, nil
		},
	},
	{
		name: "decline", args: "ROUND PARTY", nargs: 2, kind: parley.KindDeclineInvitation,
		summary: i18n.Key("decline a party's invitation, with the reason"), help: i18n.Key("Decline answers PARTY's invitation to ROUND: it stays away, for --reason."),
		flags: func(fs *flag.FlagSet) { fs.String("reason", "", i18n.Key("why the party declines (required)")) },
		payload: func(fs *flag.FlagSet, a []string) (any, error) {
			return parley.Invitation{Round: a[0], Party: a[1], Reason: str(fs, "reason")}, nil
		},
	},
	{
		name: "item add", args: "ITEM", nargs: 1, kind: parley.KindAddItem,
		summary: i18n.Key("put an item on the agenda"), help: i18n.Key("Item add adds a document or measure to the agenda; its text comes with \"version table\"."),
		flags: func(fs *flag.FlagSet) {
			fs.String("title", "", i18n.Key("the item's title (required)"))
			fs.String("kind", parley.ItemDocument, i18n.Key("document or measure"))
			fs.String("rule", "", i18n.Key("a decision rule for this item only"))
			fs.Var(titlesFlag{}, "title-in", i18n.Key("the title in an official language, as `LANG=TITLE` (repeat for each)"))
		},
		payload: func(fs *flag.FlagSet, a []string) (any, error) {
			p := parley.AddItem{Item: a[0], Title: str(fs, "title"), Kind: str(fs, "kind"), Titles: titlesOf(fs)}
			if s := str(fs, "rule"); s != "" {
				r, err := parseRule(s)
				if err != nil {
					return nil, err
				}
				p.Rule = &r
			}
			return p, nil
		},
	},
	{
		name: "package set", args: "PACKAGE [ITEM,ITEM,...]", nargs: 2, kind: parley.KindSetPackage,
		summary: i18n.Key("make items agreed together or not at all"), help: i18n.Key("Package set makes the comma-separated items one package; an empty list (\"\") dissolves it."),
		payload: func(_ *flag.FlagSet, a []string) (any, error) {
			return parley.SetPackage{Package: a[0], Items: list(a[1])}, nil
		},
	},
	{
		name: "rule set", args: "RULE", nargs: 1, kind: parley.KindSetRule,
		summary: i18n.Key("set the decision rule of the talks or of one item"), help: i18n.Key("Rule set sets RULE: consensus, consensus_minus:N or majority:Q."),
		flags: func(fs *flag.FlagSet) { fs.String("item", "", i18n.Key("set the rule of this item only")) },
		payload: func(fs *flag.FlagSet, a []string) (any, error) {
			r, err := parseRule(a[0])
			return parley.SetRule{Item: str(fs, "item"), Rule: r}, err
		},
	},
	{
		name: "version table", args: "ITEM", nargs: 1, kind: parley.KindTableVersion,
		summary: i18n.Key("table a new version of an item's text (mediators)"),
		help: i18n.Key(`Version table tables the next version of ITEM from --file: paragraphs
separated by blank lines (or a JSON array of strings if the file ends in
.json), in the markup of docs/DOCUMENTS.md: [[option A || option B]].`),
		flags: func(fs *flag.FlagSet) {
			fs.Int("version", 1, i18n.Key("the version number: the next one"))
			fs.String("file", "", i18n.Key("the text of the version (required)"))
			fs.String("amendments", "", i18n.Key("comma-separated amendments this version takes in"))
			fs.String("note", "", i18n.Key("a note on the version"))
		},
		payload: func(fs *flag.FlagSet, a []string) (any, error) {
			n, err := intFlag(fs, "version")
			if err != nil {
				return nil, err
			}
			ps, err := readParagraphs(str(fs, "file"))
			return parley.TableVersion{Item: a[0], Version: n, Paragraphs: ps, Amendments: list(str(fs, "amendments")), Note: str(fs, "note")}, err
		},
	},
	{
		name: "amend", args: "ITEM", nargs: 1, kind: parley.KindProposeAmendment,
		summary: i18n.Key("propose an amendment for a party"),
		help: i18n.Key(`Amend proposes changes to a version of ITEM on behalf of --party. --file holds
a JSON array of changes: {"op": "replace"|"insert"|"delete", "paragraph": N,
"text": "..."}, paragraphs numbered from 1 in the base version.`),
		flags: func(fs *flag.FlagSet) {
			fs.String("id", "", i18n.Key("the amendment's id (required)"))
			fs.Int("version", 1, i18n.Key("the version it amends"))
			fs.String("party", "", i18n.Key("the party proposing it"))
			fs.String("file", "", i18n.Key("the changes, as JSON (required)"))
			fs.String("reason", "", i18n.Key("why"))
		},
		payload: func(fs *flag.FlagSet, a []string) (any, error) {
			n, err := intFlag(fs, "version")
			if err != nil {
				return nil, err
			}
			b, err := os.ReadFile(str(fs, "file"))
			if err != nil {
				return nil, parley.Errorf(parley.EINVALID, "reading the changes: %v", err)
			}
			var cs []parley.Change
			if err := json.Unmarshal(b, &cs); err != nil {
				return nil, parley.Errorf(parley.EINVALID, "%s: want a JSON array of changes: %v", str(fs, "file"), err)
			}
			return parley.ProposeAmendment{Item: a[0], Amendment: str(fs, "id"), Version: n, Party: str(fs, "party"), Changes: cs, Reason: str(fs, "reason")}, nil
		},
	},
	{
		name: "stance", args: "ITEM STANCE", nargs: 2, kind: parley.KindSetStance,
		summary: i18n.Key("record a party's stance on a version of an item"),
		help: i18n.Key(`Stance records STANCE (support, ad_referendum, abstain, reserve, oppose or
conditional) of --party on --version of ITEM. A conditional stance gives its
condition with --if, e.g. --if 'agreed(M1a) or agreed(M1b)'.`),
		flags: func(fs *flag.FlagSet) {
			fs.Int("version", 1, i18n.Key("the version the stance refers to"))
			fs.String("party", "", i18n.Key("the party taking the stance"))
			fs.String("if", "", i18n.Key("the condition of a conditional stance"))
			fs.String("reason", "", i18n.Key("why"))
		},
		payload: func(fs *flag.FlagSet, a []string) (any, error) {
			n, err := intFlag(fs, "version")
			return parley.SetStance{Item: a[0], Version: n, Party: str(fs, "party"), Stance: a[1], Condition: str(fs, "if"), Reason: str(fs, "reason")}, err
		},
	},
	{
		name: "statement", args: "TEXT", nargs: 1, kind: parley.KindStatement,
		summary: i18n.Key("publish a public statement"), help: i18n.Key("Statement records a public statement by the signer, as at a press conference."),
		flags: func(fs *flag.FlagSet) {
			fs.String("lang", "", i18n.Key("the language of the text (BCP 47, e.g. ar, en, ru)"))
			fs.String("round", "", i18n.Key("the round it is about"))
		},
		payload: func(fs *flag.FlagSet, a []string) (any, error) {
			return parley.Statement{Text: a[0], Lang: str(fs, "lang"), Round: str(fs, "round")}, nil
		},
	},
	{
		name: "release", args: "PARTY INDEX", nargs: 2, kind: parley.KindRelease,
		summary: i18n.Key("show an event to a party (mediators, proximity talks)"),
		help:    i18n.Key("Release lets PARTY see the event at log INDEX, as a mediator carries a position from one room to another."),
		flags:   func(fs *flag.FlagSet) { fs.String("note", "", i18n.Key("a note for the party")) },
		payload: func(fs *flag.FlagSet, a []string) (any, error) {
			n, err := strconv.ParseInt(a[1], 10, 64)
			if err != nil {
				return nil, &exitError{2, parley.Errorf(parley.EINVALID, "INDEX must be a log index, a whole number")}
			}
			return parley.Release{Party: a[0], Index: n, Note: str(fs, "note")}, nil
		},
	},
	{
		name: "fact confirm", args: "FACT", nargs: 1, kind: parley.KindConfirmFact,
		summary: i18n.Key("confirm a fact that conditions can name (verifiers)"), help: i18n.Key("Fact confirm records that a verifier confirmed FACT; conditions name it fact(FACT)."),
		flags: func(fs *flag.FlagSet) { fs.String("note", "", i18n.Key("what was verified")) },
		payload: func(fs *flag.FlagSet, a []string) (any, error) {
			return parley.ConfirmFact{Fact: a[0], Note: str(fs, "note")}, nil
		},
	},
}
