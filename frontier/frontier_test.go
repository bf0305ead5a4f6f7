package frontier_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/bargain"
	"github.com/parleyhq/parley/drawing/drawingtest"
	"github.com/parleyhq/parley/frontier"
	"github.com/parleyhq/parley/i18n"
)

// exchange is the two-party example of docs/PACKAGES.md.
const exchange = `{"issues": [
  {"id": "detainees", "options": ["100", "250", "500"]},
  {"id": "tranches", "options": ["1", "2", "3"]}],
 "parties": [
  {"id": "gov", "weights": {"detainees": "0.3", "tranches": "0.7"},
   "values": {"detainees": {"100": "1", "250": "0.2", "500": "0"}, "tranches": {"1": "0", "2": "0.9", "3": "1"}},
   "reservation": "0.5"},
  {"id": "opp", "weights": {"detainees": "0.6", "tranches": "0.4"},
   "values": {"detainees": {"100": "0", "250": "0.3", "500": "1"}, "tranches": {"1": "1", "2": "0.8", "3": "0"}},
   "reservation": "0.1"}]}`

func solve(t *testing.T, in string, o bargain.ResultOptions, current string) *bargain.Result {
	t.Helper()
	inst, err := bargain.ReadInstance(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	pb, err := bargain.NewProblem(inst)
	if err != nil {
		t.Fatal(err)
	}
	if current != "" {
		if o.Current, err = bargain.DecodePackage([]byte(current), pb.Issues(), "current"); err != nil {
			t.Fatal(err)
		}
	}
	f, err := pb.Frontier(context.Background(), bargain.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.Result(o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestExchange draws the worked example of docs/PACKAGES.md and
// checks that the picture says what a careful reader of the result would:
// the five frontier points, each solution with its package and exact
// utilities, the package on the table and whether anything beats it for
// both.
func TestExchange(t *testing.T) {
	res := solve(t, exchange, bargain.ResultOptions{}, `{"detainees": "250", "tranches": "2"}`)
	names := map[string]string{"gov": "Government", "opp": "Opposition"}
	c, err := frontier.New(res, func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		return id
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Points) != 5 {
		t.Fatalf("%d frontier points, want 5", len(c.Points))
	}
	if got := c.Points[0].U; got != [2]string{"0", "1"} {
		t.Errorf("first point %v, want the opposition's best (0, 1)", got)
	}
	want := []string{
		"Utility of Government (gov) across, of Opposition (opp) up; each party's reservation, its value of no agreement, is 0.5 for Government (gov) and 0.1 for Opposition (opp).",
		"5 points on the Pareto frontier; packages that reach them: 5.",
		"Nash package: detainees: 500, tranches: 2, worth 0.63 to Government (gov) and 0.92 to Opposition (opp).",
		"Kalai–Smorodinsky package: detainees: 500, tranches: 3, worth 0.7 to Government (gov) and 0.6 to Opposition (opp).",
		"Maximin package: detainees: 100, tranches: 2, worth 0.93 to Government (gov) and 0.32 to Opposition (opp).",
		"Current package: detainees: 250, tranches: 2, worth 0.69 to Government (gov) and 0.5 to Opposition (opp).",
		"1 point of the frontier makes both parties better off than the current package.",
	}
	got := frontier.Text(c, nil)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the chart says\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var b bytes.Buffer
	if err := frontier.Write(&b, c, nil, frontier.Options{}); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	checkSVG(t, svg)
	for _, s := range []string{"Nash package: 0.63 for gov, 0.92 for opp: detainees: 500, tranches: 2", "current package: 0.69 for gov, 0.5 for opp", "<title id=\"pf-title\">Packages for Government (gov) and Opposition (opp): the Pareto frontier</title>"} {
		if !strings.Contains(svg, s) {
			t.Errorf("the picture does not say %q", s)
		}
	}
	// In Arabic the words change and the numbers stay exact.
	b.Reset()
	ar := i18n.For(i18n.Arabic)
	if err := frontier.Write(&b, c, ar, frontier.Options{Dir: ar.Dir()}); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, b.String())
	if !strings.Contains(b.String(), `direction="rtl"`) || !strings.Contains(b.String(), "0.63") {
		t.Errorf("the Arabic picture is not right to left, or lost the exact utilities")
	}
}

// TestOddCases: an empty solution is said with its reason, a
// result of three parties is refused with a message that says what to do,
// and a frontier of one point draws.
func TestOddCases(t *testing.T) {
	// Reservations above anything reachable: every solution is empty.
	high := strings.ReplaceAll(strings.ReplaceAll(exchange, `"reservation": "0.5"`, `"reservation": "2"`), `"reservation": "0.1"`, `"reservation": "2"`)
	c, err := frontier.New(solve(t, high, bargain.ResultOptions{}, ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(frontier.Text(c, nil), "\n")
	for _, s := range []string{
		"No Nash package: no package gives every party more than its reservation.",
		"No Kalai–Smorodinsky package: no package gives every party at least its reservation.",
		"No maximin package: no package gives every party at least its reservation.",
	} {
		if !strings.Contains(text, s) {
			t.Errorf("the chart does not say %q in:\n%s", s, text)
		}
	}
	var b bytes.Buffer
	if err := frontier.Write(&b, c, nil, frontier.Options{}); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, b.String())

	three := strings.Replace(exchange, `"reservation": "0.1"}]}`, `"reservation": "0.1"}, {"id": "obs", "weights": {"detainees": "1", "tranches": "0"}, "values": {"detainees": {"100": "0", "250": "0", "500": "1"}, "tranches": {"1": "0", "2": "0", "3": "0"}}, "reservation": "0"}]}`, 1)
	if _, err := frontier.New(solve(t, three, bargain.ResultOptions{}, ""), nil); parley.ErrorCode(err) != parley.EINVALID || !strings.Contains(err.Error(), "two parties") {
		t.Errorf("three parties: %v, want an invalid error saying the picture is for two parties", err)
	}

	one := `{"issues": [{"id": "x", "options": ["a"]}], "parties": [
	 {"id": "p", "weights": {"x": "1"}, "values": {"x": {"a": "1"}}, "reservation": "0"},
	 {"id": "q", "weights": {"x": "1"}, "values": {"x": {"a": "1"}}, "reservation": "0"}]}`
	c, err = frontier.New(solve(t, one, bargain.ResultOptions{}, ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := frontier.Write(&b, c, nil, frontier.Options{}); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, b.String())
	if !strings.Contains(b.String(), "1 point on the Pareto frontier; packages that reach it: 1.") {
		t.Errorf("one package: the picture does not say it in the singular")
	}
}

func checkSVG(t testing.TB, svg string) {
	t.Helper()
	if err := drawingtest.Check(svg); err != nil {
		t.Fatalf("%v in:\n%s", err, svg)
	}
}
