package document_test

import (
	"fmt"
	"html/template"
	"os"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/document"
)

func ExampleParse() {
	p, err := document.Parse("The parties [[ shall||should ]] release [[@gov all detainees || @opp detainees on an agreed list]].")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.String())
	fmt.Println(p.Brackets(), p.Agreed())
	fmt.Println(p.Render(func(*document.Bracket) int { return 1 }))

	_, err = document.Parse("The parties [[shall || should release")
	fmt.Println(parley.ErrorCode(err), err)
	// Output:
	// The parties [[shall || should]] release [[@gov all detainees || @opp detainees on an agreed list]].
	// 2 false
	// The parties should release detainees on an agreed list.
	// invalid at column 38: unclosed bracket opened at column 13; close it with "]]"
}

func ExampleParagraph_Tokens() {
	tmpl := template.Must(template.New("p").Parse(
		`<p dir="auto">{{range .Tokens}}` +
			`{{if eq .Kind "open"}}<span class="bracket">{{end}}` +
			`{{if eq .Kind "alt"}}{{if .Index}} <b>||</b> {{end}}{{with .Label}}<i>{{.}}</i> {{end}}{{end}}` +
			`{{if eq .Kind "text"}}{{.Text}}{{end}}` +
			`{{if eq .Kind "close"}}</span>{{end}}` +
			`{{end}}</p>` + "\n"))
	p, _ := document.Parse("Release <all> [[@gov now || @opp within [[30]] days]].")
	if err := tmpl.Execute(os.Stdout, p); err != nil {
		fmt.Println(err)
	}
	// Output:
	// <p dir="auto">Release &lt;all&gt; <span class="bracket"><i>gov</i> now <b>||</b> <i>opp</i> within <span class="bracket">30</span> days</span>.</p>
}

func ExampleApply() {
	base := []string{"Article 1.", "The parties shall release detainees.", "Article 3."}
	v2, err := document.Apply(base, []parley.Change{
		{Op: parley.OpReplace, Paragraph: 2, Text: "The parties [[shall || should]] release detainees."},
		{Op: parley.OpInsert, Paragraph: 4, Text: "Article 4."},
	})
	fmt.Printf("%q %v\n", v2, err)

	_, err = document.Apply(base, []parley.Change{{Op: parley.OpDelete, Paragraph: 4}})
	fmt.Println(err)
	// Output:
	// ["Article 1." "The parties [[shall || should]] release detainees." "Article 3." "Article 4."] <nil>
	// changes[0]: paragraph 4 does not exist; the version has paragraphs 1 to 3
}

func ExampleDiff() {
	a := []string{"Article 1.", "The parties shall release detainees.", "Article 3."}
	b := []string{"Article 1.", "The parties [[shall || should]] release detainees.", "Article 4."}
	for _, d := range document.Diff(a, b) {
		fmt.Printf("%s %d→%d", d.Op, d.Old, d.New)
		for _, w := range d.Words {
			fmt.Printf(" %s:%q", w.Op, w.Text)
		}
		fmt.Println()
	}
	// Output:
	// same 1→1
	// changed 2→2 same:"The parties " inserted:"[[" same:"shall" inserted:" || should]]" same:" release detainees."
	// changed 3→3 same:"Article " deleted:"3" inserted:"4" same:"."
}

func ExampleShowBidi() {
	s := "The parties [[\u202Eshall not || shall\u202C]] withdraw."
	fmt.Println(document.BidiControls(s))
	fmt.Println(document.ShowBidi(s))
	// Output:
	// [14 35]
	// The parties [[⟨RLO⟩shall not || shall⟨PDF⟩]] withdraw.
}
