package web_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/seal"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/sqlite"
	"github.com/parleyhq/parley/web"
)

// The scale of the benchmark of measures carried out, as in package
// measures: 100 measures of 20 steps (ten tranches of an exchange between
// gov and opp, each after the one before, each share of 50 with a sealed
// annex), then 10,000 reports and findings, half the steps through a
// dispute and a confirmation in part before their confirmation, half
// through a confirmation in part only. The measures start one after the
// other and take turns, so that half way through they stand at every
// stage. Built once, through the ledger, every act signed and checked.
const (
	mbenchMeasures = 100
	mbenchTranches = 10
	mbenchActs     = 10000
)

type measureBench struct {
	dir     string
	l       *ledger.Ledger
	handler http.Handler
	id      string
	size    int64
	half    int64 // the log index half way through the reports and findings
}

var (
	mbenchOnce sync.Once
	mbench     *measureBench
	mbenchErr  error
)

func loadMeasureBench(b *testing.B) *measureBench {
	b.Helper()
	mbenchOnce.Do(func() { mbench, mbenchErr = buildMeasureBench() })
	if mbenchErr != nil {
		b.Fatal(mbenchErr)
	}
	return mbench
}

func buildMeasureBench() (*measureBench, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "parley-measures-bench-")
	if err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
	if err != nil {
		return nil, err
	}
	keys, err := ledger.NewKeys(filepath.Join(dir, "logkeys"))
	if err != nil {
		return nil, err
	}
	l := ledger.New(st, ledger.Config{Host: testHost, Keys: keys})
	mb := &measureBench{dir: dir, l: l, id: "measures-scale"}
	key := func() ed25519.PrivateKey {
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		return k
	}
	pub := func(k ed25519.PrivateKey) string { return parley.KeyString(k.Public().(ed25519.PublicKey)) }
	clock := time.Date(2015, 5, 1, 0, 0, 0, 0, time.UTC)
	sign := func(k ed25519.PrivateKey, kind string, payload any) (parley.SignedEvent, error) {
		e, err := parley.NewEvent(mb.id, kind, k.Public().(ed25519.PublicKey), clock, payload)
		if err != nil {
			return parley.SignedEvent{}, err
		}
		return parley.Sign(l.Origin(mb.id), e, k)
	}
	one := func(k ed25519.PrivateKey, kind string, payload any) error {
		clock = clock.Add(time.Minute)
		se, err := sign(k, kind, payload)
		if err == nil {
			_, err = l.Append(ctx, se)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
		mb.size++
		return nil
	}
	// all appends events that do not depend on one another from many
	// goroutines, so that the ledger commits them in groups.
	all := func(ses []parley.SignedEvent) error {
		var wg sync.WaitGroup
		errs := make(chan error, 1)
		next := make(chan parley.SignedEvent)
		for range 32 {
			wg.Go(func() {
				for se := range next {
					if _, err := l.Append(ctx, se); err != nil {
						select {
						case errs <- err:
						default:
						}
					}
				}
			})
		}
		for _, se := range ses {
			next <- se
		}
		close(next)
		wg.Wait()
		mb.size += int64(len(ses))
		select {
		case err := <-errs:
			return err
		default:
			return nil
		}
	}
	convener, mediator, gov, opp, verifier := key(), key(), key(), key(), key()
	enc := map[string]*seal.PrivateKey{}
	steps := []struct {
		k       ed25519.PrivateKey
		kind    string
		payload any
	}{
		{convener, parley.KindFoundTalks, parley.FoundTalks{Title: "Measures at scale", ConvenerName: "Convener", Rule: parley.Rule{Kind: parley.RuleConsensus}, Visibility: parley.VisPublic}},
		{convener, parley.KindAddMediator, parley.AddMediator{Key: pub(mediator), Name: "Mediator"}},
		{mediator, parley.KindAddParty, parley.AddParty{Party: "gov", Name: "Government"}},
		{mediator, parley.KindAddParty, parley.AddParty{Party: "opp", Name: "Opposition"}},
		{mediator, parley.KindAddActor, parley.AddActor{Key: pub(gov), Name: "Government head", Role: parley.RoleHead, Party: "gov"}},
		{mediator, parley.KindAddActor, parley.AddActor{Key: pub(opp), Name: "Opposition head", Role: parley.RoleHead, Party: "opp"}},
		{mediator, parley.KindAddActor, parley.AddActor{Key: pub(verifier), Name: "Verifier", Role: parley.RoleVerifier}},
	}
	for _, s := range steps {
		if err := one(s.k, s.kind, s.payload); err != nil {
			return nil, err
		}
	}
	var recipients []seal.Recipient
	for _, k := range []ed25519.PrivateKey{gov, opp, verifier} {
		ek, err := seal.GenerateKey(seal.XWing)
		if err != nil {
			return nil, err
		}
		enc[pub(k)] = ek
		recipients = append(recipients, seal.Recipient{Actor: k.Public().(ed25519.PublicKey), Key: ek.Public()})
		if err := one(k, parley.KindEncryptionKey, parley.EncryptionKey{Key: ek.Public().String()}); err != nil {
			return nil, err
		}
	}
	for _, s := range []struct {
		k       ed25519.PrivateKey
		kind    string
		payload any
	}{
		{mediator, parley.KindPlanRound, parley.PlanRound{Round: "r1", Title: "Carrying out", Starts: "2015-05-01", Ends: "2015-12-31", Venue: "Geneva"}},
		{mediator, parley.KindInvite, parley.Invitation{Round: "r1", Party: "gov"}},
		{mediator, parley.KindInvite, parley.Invitation{Round: "r1", Party: "opp"}},
		{gov, parley.KindAcceptInvitation, parley.Invitation{Round: "r1", Party: "gov"}},
		{opp, parley.KindAcceptInvitation, parley.Invitation{Round: "r1", Party: "opp"}},
		{mediator, parley.KindOpenRound, parley.RoundRef{Round: "r1"}},
	} {
		if err := one(s.k, s.kind, s.payload); err != nil {
			return nil, err
		}
	}
	for i := range mbenchMeasures {
		item := fmt.Sprintf("M%03d", i)
		if err := one(mediator, parley.KindAddItem, parley.AddItem{Item: item, Title: fmt.Sprintf("Release of detainees, programme %d", i), Kind: parley.ItemMeasure}); err != nil {
			return nil, err
		}
		p := parley.PlanMeasure{Item: item, Version: 1}
		for k := range mbenchTranches {
			due := clock.Add(time.Duration(k+1) * 24 * time.Hour).Format(time.RFC3339)
			g, o := fmt.Sprintf("%s.t%d.gov", item, k), fmt.Sprintf("%s.t%d.opp", item, k)
			var after []string
			if k > 0 {
				after = []string{fmt.Sprintf("%s.t%d.gov", item, k-1)}
			}
			p.Steps = append(p.Steps,
				parley.Step{ID: g, Party: "gov", Action: "release the detainees of the tranche", Quantity: 50, Unit: "detainees", Due: due, After: after, Verifier: pub(verifier), Annex: true},
				parley.Step{ID: o, Party: "opp", Action: "release the detainees of the tranche", Quantity: 50, Unit: "detainees", Due: due, Together: []string{g}, Verifier: pub(verifier), Annex: true})
		}
		if err := one(mediator, parley.KindPlanMeasure, p); err != nil {
			return nil, err
		}
		for party, k := range map[string]ed25519.PrivateKey{"gov": gov, "opp": opp} {
			if err := one(k, parley.KindSetStance, parley.SetStance{Item: item, Version: 1, Party: party, Stance: parley.StanceSupport}); err != nil {
				return nil, err
			}
		}
	}
	// Each measure's own sequence of acts, as in package measures.
	type act struct {
		k       ed25519.PrivateKey
		kind    string
		step    string
		payload any
	}
	seqs := make([][]act, mbenchMeasures)
	for i := range mbenchMeasures {
		for k := range mbenchTranches {
			for round := range 6 {
				for side, party := range []string{"gov", "opp"} {
					id := fmt.Sprintf("M%03d.t%d.%s", i, k, party)
					by := gov
					if party == "opp" {
						by = opp
					}
					report := func(q int64) act {
						return act{by, parley.KindReportStep, id, parley.ReportStep{Step: id, Party: party, Quantity: q}}
					}
					find := func(verdict string, q int64, reason string) act {
						return act{verifier, parley.KindVerifyStep, id, parley.VerifyStep{Step: id, Verdict: verdict, Quantity: q, Reason: reason}}
					}
					dispute := (i+side)%2 == 0
					switch {
					case dispute && round == 0:
						seqs[i] = append(seqs[i], report(50))
					case dispute && round == 1:
						seqs[i] = append(seqs[i], find(parley.VerdictDisputed, 43, "7 of those listed were not released"))
					case round == 2:
						seqs[i] = append(seqs[i], report(43))
					case round == 3:
						seqs[i] = append(seqs[i], find(parley.VerdictPartial, 43, ""))
					case round == 4:
						seqs[i] = append(seqs[i], report(50))
					case round == 5:
						seqs[i] = append(seqs[i], find(parley.VerdictConfirmed, 50, ""))
					}
				}
			}
		}
	}
	// The measures start one after the other and then take turns, one act
	// each a tick; the acts of a tick are of different measures, appended
	// together.
	done := 0
	for tick := 0; done < mbenchActs; tick++ {
		clock = clock.Add(time.Minute)
		var ses []parley.SignedEvent
		for i := range min(tick+1, mbenchMeasures) {
			k := tick - i
			if k >= len(seqs[i]) || done+len(ses) >= mbenchActs {
				continue
			}
			a := seqs[i][k]
			payload := a.payload
			if r, ok := payload.(parley.ReportStep); ok {
				content, _ := json.Marshal(parley.AnnexContent{Text: "a placeholder list of the persons released"})
				c := seal.Context{Origin: l.Origin(mb.id), Kind: parley.KindReportStep, Channel: parley.AnnexChannel(a.step), Sender: a.k.Public().(ed25519.PublicKey)}
				sl, err := seal.Seal(c, content, recipients)
				if err != nil {
					return nil, err
				}
				if r.Annex, err = json.Marshal(sl); err != nil {
					return nil, err
				}
				payload = r
			}
			se, err := sign(a.k, a.kind, payload)
			if err != nil {
				return nil, err
			}
			ses = append(ses, se)
		}
		if err := all(ses); err != nil {
			return nil, fmt.Errorf("tick %d: %w", tick, err)
		}
		done += len(ses)
		if mb.half == 0 && done >= mbenchActs/2 {
			mb.half = mb.size - 1
		}
	}
	ui, err := web.New(l, web.Config{Host: testHost})
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	srv := server.New(l, server.Config{Host: testHost, Secret: secret, UI: ui, ReadRate: 1e6, WriteRate: 1e6})
	mb.handler = srv.Handler()
	return mb, nil
}

func (mb *measureBench) get(b *testing.B, path string) string {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Host = testHost
	rec := httptest.NewRecorder()
	mb.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d %.300s", path, rec.Code, rec.Body.String())
	}
	return rec.Body.String()
}

// BenchmarkMeasurePage measures the implementation page of one measure
// (20 steps, each with its reports and findings) of a talks of 100
// measures and 10,000 reports and findings, for the public: now, and as
// of the event half way through the reports; then the API's status of
// every step of every measure, as of half way. It reports each answer's
// bytes and checks that the page draws its steps and holds no annex.
func BenchmarkMeasurePage(b *testing.B) {
	mb := loadMeasureBench(b)
	half := strconv.FormatInt(mb.half, 10)
	for _, p := range []struct{ name, path string }{
		{"page-now", "/talks/" + mb.id + "/measures/M050"},
		{"page-half-way", "/talks/" + mb.id + "/measures/M050?at=" + half},
		{"page-first-measure-now", "/talks/" + mb.id + "/measures/M000"},
		{"api-all-statuses-half-way", "/api/v1/talks/" + mb.id + "/measures?at=" + half},
		{"api-one-measure-half-way", "/api/v1/talks/" + mb.id + "/measures/M050?at=" + half},
	} {
		b.Run(p.name, func(b *testing.B) {
			var body string
			for b.Loop() {
				body = mb.get(b, p.path)
			}
			b.ReportMetric(float64(len(body)), "bytes")
			if strings.Contains(body, "placeholder list") || strings.Contains(body, `"ciphertext"`) {
				b.Errorf("%s shows an annex", p.path)
			}
			if strings.HasPrefix(p.name, "page") && (!strings.Contains(body, "<svg") || !strings.Contains(body, "M050.t9.opp") && !strings.Contains(body, "M000.t9.opp")) {
				b.Errorf("%s does not draw the steps", p.path)
			}
		})
	}
}
