package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/words"
)

// Stance codes of the matrix data, one character per cell. An upper-case
// letter (or ':' for silence) marks a vote that keeps the item from being
// agreed.
var stanceCode = map[string]byte{
	parley.StanceSupport:      's',
	parley.StanceAdReferendum: 'a',
	parley.StanceAbstain:      'b',
	parley.StanceReserve:      'r',
	parley.StanceOppose:       'o',
	parley.StanceConditional:  'c',
}

// matrixCellBudget bounds the cells the dashboard renders on the server in
// one page; the script renders the whole matrix from its data. Beside an
// explanation, which carries the blocking graph and the tree of blockers,
// the page renders fewer (explainCellBudget), so that it stays within the
// weight of a page in every language (docs/UI.md).
const (
	matrixCellBudget  = 1500
	explainCellBudget = 600
)

// A matrix is the parties × items grid of a dashboard.
type matrix struct {
	Parties    []partyView
	Rows       []matrixRow
	Absent     []partyView // parties not at the table
	Page       int
	Pages      int
	TotalItems int
	First      int // the rows shown, from 1
	Last       int
	Me         string // the viewer's party, whose cells lead to its stance form (pictures.go)
}

type matrixRow struct {
	Item    *itemView
	Status  string
	Version int
	Blocked int // votes that block it
	Cells   []matrixCell
	Badge   itemBadge // its status told apart by the history (pictures.go)
}

type matrixCell struct {
	Party     string
	Stance    string // "" for none
	Condition string
	Version   int
	Outdated  bool // the stance refers to an earlier version
	Blocks    bool // the vote keeps the item from being agreed
	Reason    string
	Mine      bool   // the viewer's own party's cell
	Item      string // for Mine, the item, and Link its stance form
	Link      string
}

// Class is the cell's CSS class.
func (c matrixCell) Class() string {
	cls := "st-none"
	if c.Stance != "" {
		cls = "st-" + string(stanceCode[c.Stance])
	}
	if c.Outdated {
		cls += " old"
	}
	if c.Blocks {
		cls += " blk"
	}
	return cls
}

// newMatrix builds the rows of one page of the matrix (page from 1; 0 for
// every row), of about budget cells: at least 5 rows, or 3 beside an
// explanation.
func newMatrix(s *snap, v *verdict, pg, budget int) *matrix {
	m := &matrix{TotalItems: len(s.Items)}
	for _, p := range s.Parties {
		if p.Participant {
			m.Parties = append(m.Parties, p)
		} else {
			m.Absent = append(m.Absent, p)
		}
	}
	per := len(s.Items)
	if pg > 0 {
		least := 5
		if budget < matrixCellBudget {
			least = 3
		}
		per = max(least, min(200, budget/max(1, len(m.Parties))))
	}
	m.Pages = max(1, (len(s.Items)+per-1)/max(1, per))
	if pg > 0 {
		m.Page = min(pg, m.Pages)
	}
	lo, hi := 0, len(s.Items)
	if m.Page > 0 {
		lo = (m.Page - 1) * per
		hi = min(len(s.Items), lo+per)
	}
	m.First, m.Last = lo+1, hi
	for _, it := range s.Items[lo:hi] {
		row := matrixRow{Item: it, Version: it.LatestN, Status: v.Status[it.ID], Blocked: len(v.Blocks[it.ID])}
		for _, p := range m.Parties {
			c := matrixCell{Party: p.ID, Blocks: v.Blocks[it.ID][p.ID]}
			if x := it.Stances[p.ID]; x != nil {
				c.Stance, c.Condition, c.Version, c.Reason = x.Stance, x.Condition, x.Version, x.Reason
				c.Outdated = x.Version != it.LatestN
			}
			row.Cells = append(row.Cells, c)
		}
		m.Rows = append(m.Rows, row)
	}
	return m
}

// dashboardData is the mediator's dashboard.
type dashboardData struct {
	Matrix    *matrix
	Counts    map[string]int // items by status
	Explain   *explanation
	History   *history // for a view of the past
	PrevStep  int64
	NextStep  int64
	DataURL   string
	PageLinks []int
}

func (h *handler) dashboard(r *http.Request) (*page, error) {
	ctx := r.Context()
	key := server.ViewerKey(r)
	at, err := queryIndex(r, "at")
	if err != nil {
		return nil, err
	}
	s, err := h.load(ctx, h.printer(r), r.PathValue("id"), key, at)
	if err != nil {
		return nil, err
	}
	v, err := s.verdict()
	if err != nil {
		return nil, err
	}
	pg, _ := strconv.Atoi(r.URL.Query().Get("page"))
	budget := matrixCellBudget
	if r.URL.Query().Get("item") != "" {
		budget = explainCellBudget
	}
	d := &dashboardData{Matrix: newMatrix(s, v, max(1, pg), budget), Counts: map[string]int{}, PrevStep: -1, NextStep: -1}
	for _, st := range v.Status {
		d.Counts[st]++
	}
	for i := 1; i <= d.Matrix.Pages && d.Matrix.Pages > 1; i++ {
		d.PageLinks = append(d.PageLinks, i)
	}
	d.DataURL = "/talks/" + s.ID + "/dashboard/data"
	if s.At >= 0 {
		d.DataURL += "?at=" + strconv.FormatInt(s.At, 10)
		if d.History, err = h.history(ctx, s); err != nil {
			return nil, err
		}
		for _, i := range d.History.Changes() {
			if i < s.At {
				d.PrevStep = i
			}
			if i > s.At && d.NextStep < 0 {
				d.NextStep = i
			}
		}
	}
	if id := r.URL.Query().Get("item"); id != "" {
		res, err := s.result()
		if err != nil {
			return nil, err
		}
		if d.Explain, err = explain(s, res, id, r); err != nil {
			return nil, err
		}
	}
	if err := h.dashboardPictures(ctx, s, v, d); err != nil {
		return nil, err
	}
	title := s.P.T("Dashboard · %s", s.Title)
	return &page{Name: "dashboard", Title: title, S: s, Tab: "dashboard", Live: s.At < 0, Data: d}, nil
}

// dashboardData serves the matrix as compact JSON for the script that
// renders it:
//
//	{"size": N, "at": -1, "hidden": 0,
//	 "parties": [["gov", "Government…"], …],
//	 "items": [["D1", "Title", "not_agreed", 2, "lost", "lost agreement", "lost agreement on …"], …],
//	                           id, title, status, latest version, the badge's kind and label,
//	                           since when and by whose act (for one that lost agreement)
//	 "me": 1,                                          the column of the viewer's party, -1 for none
//	 "cells": ["sCco", …],                             per item, a code per party
//	 "cond": {"0.1": "agreed(M1a) or agreed(M1b)"},    item.party → condition
//	 "old": {"0.1": 1}}                                item.party → the earlier version a stance is on
func (h *handler) dashboardData(w http.ResponseWriter, r *http.Request) {
	at, err := queryIndex(r, "at")
	if err != nil {
		h.writeJSONError(w, r, err)
		return
	}
	s, err := h.load(r.Context(), h.printer(r), r.PathValue("id"), server.ViewerKey(r), at)
	if err != nil {
		h.writeJSONError(w, r, err)
		return
	}
	v, err := s.verdict()
	if err != nil {
		h.writeJSONError(w, r, err)
		return
	}
	m := newMatrix(s, v, 0, 0)
	hist, err := h.history(r.Context(), s)
	if err != nil {
		h.writeJSONError(w, r, err)
		return
	}
	badges, me := s.itemBadges(hist, v), -1
	if a := actingOf(s); a != nil && a.Stances {
		for j, p := range m.Parties {
			if p.ID == a.Party {
				me = j
			}
		}
	}
	var b bytes.Buffer
	b.Grow(len(m.Rows)*(len(m.Parties)+48) + 256)
	b.WriteString(`{"size":`)
	b.WriteString(strconv.FormatInt(s.Size, 10))
	b.WriteString(`,"at":`)
	b.WriteString(strconv.FormatInt(s.At, 10))
	b.WriteString(`,"hidden":`)
	b.WriteString(strconv.FormatInt(s.Hidden, 10))
	b.WriteString(`,"me":`)
	b.WriteString(strconv.Itoa(me))
	b.WriteString(`,"parties":[`)
	for i, p := range m.Parties {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONArray(&b, p.ID, p.Name)
	}
	b.WriteString(`],"items":[`)
	for i, row := range m.Rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		writeJSONString(&b, row.Item.ID)
		b.WriteByte(',')
		writeJSONString(&b, row.Item.Title)
		b.WriteByte(',')
		writeJSONString(&b, row.Status)
		b.WriteByte(',')
		b.WriteString(strconv.Itoa(row.Version))
		bd := badges[row.Item.ID]
		b.WriteByte(',')
		writeJSONString(&b, bd.Kind)
		b.WriteByte(',')
		writeJSONString(&b, bd.Label)
		if bd.Title != "" {
			b.WriteByte(',')
			writeJSONString(&b, bd.Title)
		}
		b.WriteByte(']')
	}
	b.WriteString(`],"cells":[`)
	cond := map[string]string{}
	old := map[string]int{}
	code := make([]byte, len(m.Parties))
	for i, row := range m.Rows {
		for j, c := range row.Cells {
			k := byte('.')
			if c.Stance != "" {
				k = stanceCode[c.Stance]
			}
			if c.Blocks {
				if k == '.' {
					k = ':'
				} else {
					k -= 'a' - 'A'
				}
			}
			code[j] = k
			if c.Condition != "" {
				cond[strconv.Itoa(i)+"."+strconv.Itoa(j)] = c.Condition
			}
			if c.Outdated {
				old[strconv.Itoa(i)+"."+strconv.Itoa(j)] = c.Version
			}
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.Write(code)
		b.WriteByte('"')
	}
	b.WriteString(`],"cond":`)
	cj, _ := json.Marshal(cond)
	b.Write(cj)
	b.WriteString(`,"old":`)
	oj, _ := json.Marshal(old)
	b.Write(oj)
	b.WriteString("}\n")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vary", "Cookie, Authorization")
	_, _ = w.Write(b.Bytes())
}

func writeJSONString(b *bytes.Buffer, s string) {
	j, _ := json.Marshal(s)
	b.Write(j)
}

func writeJSONArray(b *bytes.Buffer, ss ...string) {
	b.WriteByte('[')
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(b, s)
	}
	b.WriteByte(']')
}

// writeJSONError writes an error as a problem for the page's scripts,
// its detail in the reader's language.
func (h *handler) writeJSONError(w http.ResponseWriter, r *http.Request, err error) {
	p := h.printer(r)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Language", p.Code())
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vary", varyLanguage)
	w.WriteHeader(statusOf(err))
	_ = json.NewEncoder(w).Encode(map[string]any{"status": statusOf(err), "code": parley.ErrorCode(err), "detail": p.Error(err)})
}

// conditionPreview is the answer of the condition preview.
type conditionPreview struct {
	OK        bool     `json:"ok"`
	Canonical string   `json:"canonical,omitempty"`
	Words     string   `json:"words,omitempty"`
	Error     string   `json:"error,omitempty"`
	Items     []string `json:"items,omitempty"`
	Facts     []string `json:"facts,omitempty"`
}

// condition parses a condition as the record will when a stance is signed,
// so that the page can show what will be signed: GET
// /talks/{id}/condition?c=agreed(M1a)+or+agreed(M1b).
func (h *handler) condition(w http.ResponseWriter, r *http.Request) {
	s, err := h.load(r.Context(), h.printer(r), r.PathValue("id"), server.ViewerKey(r), -1)
	if err != nil {
		h.writeJSONError(w, r, err)
		return
	}
	out := previewCondition(s, r.URL.Query().Get("c"))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Language", s.P.Code())
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vary", varyLanguage)
	_ = json.NewEncoder(w).Encode(out)
}

func previewCondition(s *snap, text string) conditionPreview {
	if strings.TrimSpace(text) == "" {
		return conditionPreview{Error: s.P.T("write a condition, such as %s", "agreed(M1a) or agreed(M1b)")}
	}
	c, err := agreement.ParseCondition(text)
	if err != nil {
		return conditionPreview{Error: s.P.Error(err)}
	}
	out := conditionPreview{OK: true, Canonical: c.String(), Words: words.Condition(s.P, c), Items: c.Items(), Facts: c.Facts()}
	for _, id := range c.Items() {
		if s.Item(id) == nil {
			return conditionPreview{Canonical: out.Canonical, Words: out.Words, Error: s.P.T("%s names no item of these talks.", "agreed("+id+")")}
		}
	}
	return out
}
