package server_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/agreement"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/scenario"
	"github.com/parleyhq/parley/seal"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/sqlite"
)

// The OpenAPI document is held true three ways: its operations are exactly
// the server's API routes; it is a well-formed OpenAPI 3.1 document whose
// references resolve and whose schemas are valid JSON Schema 2020-12; and
// every response of a replay of the Moscow scenario over HTTP, seen by the
// public, a delegate and the mediator, errors included, validates against
// the schema documented for its route, status and content type.
//
// Names in this file start with "oa" so as to stay clear of the package's
// other tests.

const oaDocPath = "openapi/openapi.json"

// oaDocURL is the base URI under which the document is compiled; nothing is
// fetched from it.
const oaDocURL = "https://parley.test/openapi.json"

var oaMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func oaReadDoc(t *testing.T) ([]byte, map[string]any) {
	t.Helper()
	b, err := os.ReadFile(oaDocPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := parley.CheckJSON(b); err != nil {
		t.Fatalf("%s: %v", oaDocPath, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", oaDocPath, err)
	}
	return b, doc
}

// oaDemo returns the demo of the Moscow scenario with the keys ks.
func oaDemo(s *scenario.Script, ks scenario.Keys) *server.Demo {
	d := &server.Demo{Talks: s.Talks, Notice: s.Notice}
	for _, m := range s.Cast {
		d.Actors = append(d.Actors, server.DemoActor{ID: m.ID, Name: m.Name, Role: m.Role, Party: m.Party, Key: ks[m.ID], Encryption: ks.Encryption(m.ID)})
	}
	return d
}

// oaUI stands for the web UI, so that the server registers every route.
var oaUI = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, "<!doctype html><title>Parley</title>\n")
})

// oaLedger opens a ledger on SQLite in a temporary directory, wired to
// publish to whatever server *srv points to when an append commits.
func oaLedger(t *testing.T, srv **server.Server) *ledger.Ledger {
	t.Helper()
	dir := t.TempDir()
	store, err := sqlite.Open(context.Background(), filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	lk, err := ledger.NewKeys(filepath.Join(dir, "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	return ledger.New(store, ledger.Config{Host: oaHost, Keys: lk, OnAppend: func(a ledger.Appended) {
		if *srv != nil {
			(*srv).Published(a)
		}
	}})
}

const oaHost = "parley.test"

func oaSecret(t *testing.T) []byte {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenAPIRoutes(t *testing.T) {
	_, doc := oaReadDoc(t)
	s := scenario.Moscow()
	ks, err := s.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	var srv *server.Server
	l := oaLedger(t, &srv)
	srv = server.New(l, server.Config{Host: oaHost, Secret: oaSecret(t), Demo: oaDemo(s, ks), UI: oaUI})
	defer srv.Close()

	routes := map[string]bool{}
	for _, r := range srv.Routes() {
		method, path, ok := strings.Cut(r, " ")
		if !ok || method == "" || !strings.HasPrefix(path, "/") {
			t.Errorf("route %q is not \"METHOD /path\"", r)
			continue
		}
		routes[strings.ToLower(method)+" "+path] = true
	}
	documented := map[string]bool{}
	paths, _ := doc["paths"].(map[string]any)
	for path, item := range paths {
		for _, m := range oaMethods {
			if _, ok := item.(map[string]any)[m]; ok {
				documented[m+" "+path] = true
			}
		}
	}
	var undocumented, unrouted []string
	for r := range routes {
		if !documented[r] {
			undocumented = append(undocumented, strings.ToUpper(r[:strings.IndexByte(r, ' ')])+r[strings.IndexByte(r, ' '):])
		}
	}
	for d := range documented {
		if !routes[d] {
			unrouted = append(unrouted, strings.ToUpper(d[:strings.IndexByte(d, ' ')])+d[strings.IndexByte(d, ' '):])
		}
	}
	sort.Strings(undocumented)
	sort.Strings(unrouted)
	if len(undocumented) > 0 {
		t.Errorf("routes missing from %s:\n\t%s", oaDocPath, strings.Join(undocumented, "\n\t"))
	}
	if len(unrouted) > 0 {
		t.Errorf("operations in %s that the server does not register:\n\t%s", oaDocPath, strings.Join(unrouted, "\n\t"))
	}
	if len(routes) == 0 {
		t.Error("the server lists no routes")
	}
}

// oaPointer returns the JSON pointer of a path of tokens.
func oaPointer(tokens ...string) string {
	var b strings.Builder
	for _, tok := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(tok))
	}
	return b.String()
}

// oaLookup returns the value at a JSON pointer of doc.
func oaLookup(doc any, ptr string) (any, error) {
	if ptr == "" {
		return doc, nil
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, fmt.Errorf("%q is not a JSON pointer", ptr)
	}
	v := doc
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[tok]; !ok {
				return nil, fmt.Errorf("%s: no member %q", ptr, tok)
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, fmt.Errorf("%s: no element %q", ptr, tok)
			}
			v = x[i]
		default:
			return nil, fmt.Errorf("%s: %q is past a leaf", ptr, tok)
		}
	}
	return v, nil
}

// oaWalk calls f with the pointer of every value in v.
func oaWalk(v any, ptr string, f func(ptr string, v any)) {
	f(ptr, v)
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			oaWalk(c, ptr+oaPointer(k), f)
		}
	case []any:
		for i, c := range x {
			oaWalk(c, ptr+"/"+strconv.Itoa(i), f)
		}
	}
}

// oaSpec is the OpenAPI document with a JSON Schema compiler over it.
type oaSpec struct {
	doc map[string]any

	mu       sync.Mutex
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema // by pointer
}

var oaBase64 = regexp.MustCompile(`^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$`)

func oaNewSpec(t *testing.T, doc map[string]any) *oaSpec {
	t.Helper()
	// Compile from a copy decoded as the validator expects (numbers as
	// json.Number).
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	res, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.AssertContent()
	// "byte" (OpenAPI's format for base64) is not a JSON Schema format:
	// assert it as padded standard base64.
	c.RegisterFormat(&jsonschema.Format{Name: "byte", Validate: func(v any) error {
		s, ok := v.(string)
		if !ok {
			return nil
		}
		if !oaBase64.MatchString(s) {
			return errors.New("not padded standard base64")
		}
		return nil
	}})
	if err := c.AddResource(oaDocURL, res); err != nil {
		t.Fatal(err)
	}
	return &oaSpec{doc: doc, compiler: c, schemas: map[string]*jsonschema.Schema{}}
}

// schema compiles the schema at a JSON pointer of the document.
func (sp *oaSpec) schema(ptr string) (*jsonschema.Schema, error) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if s := sp.schemas[ptr]; s != nil {
		return s, nil
	}
	toks := strings.Split(ptr, "/")
	for i := range toks {
		toks[i] = url.PathEscape(toks[i])
	}
	s, err := sp.compiler.Compile(oaDocURL + "#" + strings.Join(toks, "/"))
	if err != nil {
		return nil, err
	}
	sp.schemas[ptr] = s
	return s, nil
}

// deref follows the $ref of an OpenAPI object (not a schema) at ptr and
// returns where it ends and the object there.
func (sp *oaSpec) deref(ptr string) (string, map[string]any, error) {
	for range 10 {
		v, err := oaLookup(sp.doc, ptr)
		if err != nil {
			return "", nil, err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return "", nil, fmt.Errorf("%s is not an object", ptr)
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return ptr, m, nil
		}
		if !strings.HasPrefix(ref, "#") {
			return "", nil, fmt.Errorf("%s: $ref %q is not local", ptr, ref)
		}
		ptr = ref[1:]
	}
	return "", nil, fmt.Errorf("%s: $ref chain too long", ptr)
}

// operation returns the pointer of an operation, or an error naming the
// route when it is not documented.
func (sp *oaSpec) operation(method, route string) (string, map[string]any, error) {
	ptr := oaPointer("paths", route, strings.ToLower(method))
	v, err := oaLookup(sp.doc, ptr)
	if err != nil {
		return "", nil, fmt.Errorf("%s %s is not documented", method, route)
	}
	op, _ := v.(map[string]any)
	return ptr, op, nil
}

// validate checks an instance against the schema at ptr.
func (sp *oaSpec) validate(ptr string, inst any) error {
	s, err := sp.schema(ptr)
	if err != nil {
		return fmt.Errorf("compiling the schema at %s: %w", ptr, err)
	}
	return s.Validate(inst)
}

func oaInstance(body []byte) (any, error) {
	return jsonschema.UnmarshalJSON(bytes.NewReader(body))
}

func TestOpenAPIDocument(t *testing.T) {
	_, doc := oaReadDoc(t)
	if got, want := doc["openapi"], "3.1.0"; got != want {
		t.Errorf("openapi = %v, want %q", got, want)
	}
	if got, want := doc["jsonSchemaDialect"], "https://json-schema.org/draft/2020-12/schema"; got != want {
		t.Errorf("jsonSchemaDialect = %v, want %q", got, want)
	}
	info, _ := doc["info"].(map[string]any)
	for _, f := range []string{"title", "version", "description"} {
		if s, _ := info[f].(string); s == "" {
			t.Errorf("info.%s is missing", f)
		}
	}
	servers, _ := doc["servers"].([]any)
	if len(servers) != 1 || servers[0].(map[string]any)["url"] != "/" {
		t.Errorf("servers = %v, want one, with url \"/\"", servers)
	}

	// Every $ref resolves, within the document.
	oaWalk(doc, "", func(ptr string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return
		}
		if !strings.HasPrefix(ref, "#/") {
			t.Errorf("%s: $ref %q is not a local JSON pointer", ptr, ref)
			return
		}
		if _, err := oaLookup(doc, ref[1:]); err != nil {
			t.Errorf("%s: $ref %q does not resolve: %v", ptr, ref, err)
		}
	})

	// Every component schema is used.
	refs := map[string]bool{}
	oaWalk(doc, "", func(_ string, v any) {
		if m, ok := v.(map[string]any); ok {
			if ref, ok := m["$ref"].(string); ok {
				refs[ref] = true
			}
		}
	})
	components, _ := doc["components"].(map[string]any)
	for _, kind := range []string{"schemas", "responses", "parameters", "headers"} {
		for name := range components[kind].(map[string]any) {
			if !refs["#/components/"+kind+"/"+name] {
				t.Errorf("components/%s/%s is never referenced", kind, name)
			}
		}
	}

	sp := oaNewSpec(t, doc)
	// Every component schema is a valid JSON Schema 2020-12 schema.
	for name := range components["schemas"].(map[string]any) {
		if _, err := sp.schema(oaPointer("components", "schemas", name)); err != nil {
			t.Errorf("components/schemas/%s: %v", name, err)
		}
	}

	tags := map[string]bool{}
	for _, tg := range doc["tags"].([]any) {
		tags[tg.(map[string]any)["name"].(string)] = true
	}
	schemes, _ := components["securitySchemes"].(map[string]any)
	checkSecurity := func(where string, v any) {
		reqs, ok := v.([]any)
		if !ok {
			t.Errorf("%s: security is not a list", where)
			return
		}
		for _, r := range reqs {
			for name := range r.(map[string]any) {
				if schemes[name] == nil {
					t.Errorf("%s: security scheme %q is not defined", where, name)
				}
			}
		}
	}
	checkSecurity("security", doc["security"])

	ids := map[string]string{}
	paramName := regexp.MustCompile(`\{([^}]+)\}`)
	for path, item := range doc["paths"].(map[string]any) {
		for _, m := range oaMethods {
			v, ok := item.(map[string]any)[m]
			if !ok {
				continue
			}
			where := strings.ToUpper(m) + " " + path
			opPtr := oaPointer("paths", path, m)
			op := v.(map[string]any)
			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s: no operationId", where)
			} else if other, dup := ids[id]; dup {
				t.Errorf("%s: operationId %q is also that of %s", where, id, other)
			}
			ids[id] = where
			for _, f := range []string{"summary", "description"} {
				if s, _ := op[f].(string); s == "" {
					t.Errorf("%s: no %s", where, f)
				}
			}
			opTags, _ := op["tags"].([]any)
			if len(opTags) == 0 {
				t.Errorf("%s: no tags", where)
			}
			for _, tg := range opTags {
				if !tags[tg.(string)] {
					t.Errorf("%s: tag %q is not declared", where, tg)
				}
			}
			if s, ok := op["security"]; ok {
				checkSecurity(where, s)
			}
			switch v, _ := op["x-visibility"].(string); v {
			case "public", "per-viewer", "party-and-mediators", "full-view", "signed-in", "signed-act":
			default:
				t.Errorf("%s: x-visibility %q is not one of those info.description explains", where, v)
			}
			if strings.HasPrefix(path, "/api/v1/demo") && !strings.Contains(op["description"].(string), "Demo mode only") {
				t.Errorf("%s: the description does not say that the route exists in demo mode only", where)
			}

			// Path parameters: exactly those of the template.
			inPath := map[string]bool{}
			for _, mm := range paramName.FindAllStringSubmatch(path, -1) {
				inPath[mm[1]] = true
			}
			declared := map[string]bool{}
			params, _ := op["parameters"].([]any)
			for i := range params {
				pptr, p, err := sp.deref(opPtr + "/parameters/" + strconv.Itoa(i))
				if err != nil {
					t.Errorf("%s: %v", where, err)
					continue
				}
				if _, err := sp.schema(pptr + "/schema"); err != nil {
					t.Errorf("%s: parameter %v: %v", where, p["name"], err)
				}
				if p["in"] != "path" {
					continue
				}
				name, _ := p["name"].(string)
				declared[name] = true
				if p["required"] != true {
					t.Errorf("%s: path parameter %q is not required", where, name)
				}
				if !inPath[name] {
					t.Errorf("%s: path parameter %q is not in the path", where, name)
				}
			}
			for name := range inPath {
				if !declared[name] {
					t.Errorf("%s: path parameter %q is not declared", where, name)
				}
			}

			// Request bodies: POST has a JSON one, the others none.
			if rb, ok := op["requestBody"]; ok != (m == "post") {
				t.Errorf("%s: requestBody present = %v, want %v", where, ok, m == "post")
			} else if ok {
				if rb.(map[string]any)["required"] != true {
					t.Errorf("%s: the request body is not required", where)
				}
				if _, err := sp.schema(opPtr + "/requestBody/content/application~1json/schema"); err != nil {
					t.Errorf("%s: request body: %v", where, err)
				}
			}

			// Responses: a success; every error a problem.
			responses, _ := op["responses"].(map[string]any)
			success := false
			for status := range responses {
				code, err := strconv.Atoi(status)
				if err != nil || code < 100 || code > 599 {
					t.Errorf("%s: response %q is not an HTTP status", where, status)
					continue
				}
				success = success || code/100 == 2
				rptr, r, err := sp.deref(opPtr + "/responses/" + status)
				if err != nil {
					t.Errorf("%s %s: %v", where, status, err)
					continue
				}
				if s, _ := r["description"].(string); s == "" {
					t.Errorf("%s %s: no description", where, status)
				}
				content, _ := r["content"].(map[string]any)
				if code >= 400 {
					ps, _ := content["application/problem+json"].(map[string]any)
					if len(content) != 1 || ps == nil {
						t.Errorf("%s %s: want application/problem+json only, got %v", where, status, oaKeys(content))
						continue
					}
					if ref := ps["schema"].(map[string]any)["$ref"]; ref != "#/components/schemas/Problem" {
						t.Errorf("%s %s: schema $ref = %v, want the Problem schema", where, status, ref)
					}
				}
				for ct, mt := range content {
					mptr := rptr + oaPointer("content", ct)
					if _, err := sp.schema(mptr + "/schema"); err != nil {
						t.Errorf("%s %s %s: %v", where, status, ct, err)
					}
					sseEvents, _ := mt.(map[string]any)["x-sse-events"].(map[string]any)
					for ev := range sseEvents {
						if _, err := sp.schema(mptr + oaPointer("x-sse-events", ev)); err != nil {
							t.Errorf("%s %s %s event %s: %v", where, status, ct, ev, err)
						}
					}
				}
				rheaders, _ := r["headers"].(map[string]any)
				for name := range rheaders {
					hptr, _, err := sp.deref(rptr + oaPointer("headers", name))
					if err == nil {
						_, err = sp.schema(hptr + "/schema")
					}
					if err != nil {
						t.Errorf("%s %s header %s: %v", where, status, name, err)
					}
				}
			}
			if !success {
				t.Errorf("%s: no 2xx response", where)
			}
			for _, status := range []string{"401", "429", "500"} {
				if responses[status] == nil {
					t.Errorf("%s: no %s response, which every route may give", where, status)
				}
			}
		}
	}

	// Enumerations match the Go constants.
	enum := func(name string) []string {
		v, err := oaLookup(doc, oaPointer("components", "schemas", name, "enum"))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range v.([]any) {
			out = append(out, e.(string))
		}
		sort.Strings(out)
		return out
	}
	sorted := func(s ...string) []string {
		s = slices.Clone(s)
		sort.Strings(s)
		return s
	}
	for _, c := range []struct {
		schema string
		want   []string
	}{
		{"EventKind", sorted(parley.Kinds()...)},
		{"ErrorCode", sorted(parley.Codes()...)},
		{"Role", sorted(parley.RoleConvener, parley.RoleMediator, parley.RoleHead, parley.RoleDelegate, parley.RoleObserver, parley.RoleVerifier)},
		{"StanceValue", sorted(parley.StanceSupport, parley.StanceAdReferendum, parley.StanceAbstain, parley.StanceReserve, parley.StanceOppose, parley.StanceConditional)},
		{"ItemStatus", sorted(agreement.StatusAgreed, agreement.StatusAgreedAdReferendum, agreement.StatusContested, agreement.StatusNotAgreed, agreement.StatusOscillating)},
		{"ItemKind", sorted(parley.ItemDocument, parley.ItemMeasure)},
	} {
		if got := enum(c.schema); !slices.Equal(got, c.want) {
			t.Errorf("components/schemas/%s enum = %v, want %v", c.schema, got, c.want)
		}
	}
	for _, s := range parley.Kinds() {
		if !parley.KnownKind(s) {
			t.Errorf("parley.Kinds lists %q, which KnownKind refuses", s)
		}
	}

	// Every error code is in the enum (above), has its status here, and
	// the enum's description gives that status.
	desc, err := oaLookup(doc, oaPointer("components", "schemas", "ErrorCode", "description"))
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range parley.Codes() {
		status, ok := oaStatusOfCode[code]
		if !ok {
			t.Errorf("error code %q has no status in oaStatusOfCode", code)
			continue
		}
		if want := fmt.Sprintf("%s %d", code, status); !strings.Contains(desc.(string), want) {
			t.Errorf("components/schemas/ErrorCode's description does not say %q", want)
		}
	}
}

func oaKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// oaHarness calls a test server and validates every answer against the
// document.
type oaHarness struct {
	t   *testing.T
	sp  *oaSpec
	url string

	mu   sync.Mutex
	seen map[string]map[int]bool // "METHOD route" → statuses validated
}

// oaCall is one request.
type oaCall struct {
	method, route string
	params        map[string]string // path parameters
	query         string
	header        http.Header
	token         string // bearer token
	body          any    // []byte as is, else encoded as JSON
	ctype         string // default application/json with a body
	checkRequest  bool   // validate the body against the request schema
	want          int
}

func (c oaCall) String() string {
	s := c.method + " " + c.route
	if c.query != "" {
		s += "?" + c.query
	}
	return s
}

// do makes the call, checks the status, validates the response and
// returns its body.
func (h *oaHarness) do(c oaCall) (*http.Response, []byte) {
	t := h.t
	t.Helper()
	opPtr, _, err := h.sp.operation(c.method, c.route)
	if err != nil {
		t.Fatal(err)
	}
	path := c.route
	for k, v := range c.params {
		path = strings.ReplaceAll(path, "{"+k+"}", url.PathEscape(v))
	}
	if strings.ContainsAny(path, "{}") {
		t.Fatalf("%s: path parameters missing in %s", c, path)
	}
	if c.query != "" {
		path += "?" + c.query
	}
	var body io.Reader
	if c.body != nil {
		b, ok := c.body.([]byte)
		if !ok {
			if b, err = json.Marshal(c.body); err != nil {
				t.Fatal(err)
			}
		}
		if c.checkRequest {
			inst, err := oaInstance(b)
			if err == nil {
				err = h.sp.validate(opPtr+"/requestBody/content/application~1json/schema", inst)
			}
			if err != nil {
				t.Errorf("%s: the request body does not validate against the documented schema: %v", c, err)
			}
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(c.method, h.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	if c.body != nil {
		ct := c.ctype
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", c, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: reading the body: %v", c, err)
	}
	if resp.StatusCode != c.want {
		t.Errorf("%s: status %d, want %d; body: %.300s", c, resp.StatusCode, c.want, b)
	}
	h.check(c.String(), opPtr, c.method, c.route, resp, b)
	return resp, b
}

// check validates a response against the operation at opPtr.
func (h *oaHarness) check(what, opPtr, method, route string, resp *http.Response, body []byte) {
	t := h.t
	t.Helper()
	status := strconv.Itoa(resp.StatusCode)
	rptr, r, err := h.sp.deref(opPtr + "/responses/" + status)
	if err != nil {
		t.Errorf("%s: status %s is not documented for %s %s", what, status, method, route)
		return
	}
	h.mu.Lock()
	if h.seen[method+" "+route] == nil {
		h.seen[method+" "+route] = map[int]bool{}
	}
	h.seen[method+" "+route][resp.StatusCode] = true
	h.mu.Unlock()

	headers, _ := r["headers"].(map[string]any)
	for name := range headers {
		hptr, hdr, err := h.sp.deref(rptr + oaPointer("headers", name))
		if err != nil {
			t.Errorf("%s → %s: header %s: %v", what, status, name, err)
			continue
		}
		v, present := resp.Header.Get(name), len(resp.Header.Values(name)) > 0
		if !present {
			if hdr["required"] == true {
				t.Errorf("%s → %s: the required header %s is missing", what, status, name)
			}
			continue
		}
		var inst any = v
		hschema, _ := hdr["schema"].(map[string]any)
		if typ, _ := hschema["type"].(string); typ == "integer" {
			if inst, err = oaInstance([]byte(v)); err != nil {
				t.Errorf("%s → %s: header %s: %q is not an integer", what, status, name, v)
				continue
			}
		}
		if err := h.sp.validate(hptr+"/schema", inst); err != nil {
			t.Errorf("%s → %s: header %s: %v", what, status, name, err)
		}
	}

	content, _ := r["content"].(map[string]any)
	if len(content) == 0 {
		if len(body) != 0 {
			t.Errorf("%s → %s: the documented response has no content, got %d bytes", what, status, len(body))
		}
		return
	}
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil {
		t.Errorf("%s → %s: Content-Type %q: %v", what, status, resp.Header.Get("Content-Type"), err)
		return
	}
	if content[mt] == nil {
		t.Errorf("%s → %s: Content-Type %s is not documented (want one of %v)", what, status, mt, oaKeys(content))
		return
	}
	sptr := rptr + oaPointer("content", mt, "schema")
	var inst any
	if mt == "application/json" || strings.HasSuffix(mt, "+json") {
		if inst, err = oaInstance(body); err != nil {
			t.Errorf("%s → %s %s: the body is not JSON: %v; body: %.300s", what, status, mt, err, body)
			return
		}
	} else {
		inst = string(body)
	}
	if err := h.sp.validate(sptr, inst); err != nil {
		t.Errorf("%s → %s %s: the body does not validate against %s:\n%v\nbody: %.1000s", what, status, mt, sptr, err, body)
	}
	if mt == "application/problem+json" {
		var p server.Problem
		if err := json.Unmarshal(body, &p); err == nil {
			if p.Status != resp.StatusCode {
				t.Errorf("%s → %s: problem status %d, want the HTTP status", what, status, p.Status)
			}
			if got, want := p.Type, server.ProblemTypeBase+p.Code; got != want {
				t.Errorf("%s → %s: problem type %q, want %q", what, status, got, want)
			}
			if got, want := p.Instance, resp.Request.URL.Path; got != want {
				t.Errorf("%s → %s: problem instance %q, want the request's path %q", what, status, got, want)
			}
		}
	}
}

// oaMessage is one server-sent event.
type oaMessage struct {
	id    string
	event string
	data  string
}

// oaStream is an open live stream whose messages arrive on msgs.
type oaStream struct {
	what   string
	msgs   chan oaMessage
	cancel context.CancelFunc
	done   chan struct{}
}

// open opens a live stream, checks its response against the document and
// reads its messages in the background.
func (h *oaHarness) open(c oaCall) *oaStream {
	t := h.t
	t.Helper()
	opPtr, _, err := h.sp.operation(c.method, c.route)
	if err != nil {
		t.Fatal(err)
	}
	path := c.route
	for k, v := range c.params {
		path = strings.ReplaceAll(path, "{"+k+"}", url.PathEscape(v))
	}
	if c.query != "" {
		path += "?" + c.query
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, c.method, h.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("%s: %v", c, err)
	}
	if resp.StatusCode != c.want {
		t.Errorf("%s: status %d, want %d", c, resp.StatusCode, c.want)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		h.check(c.String(), opPtr, c.method, c.route, resp, b)
		return nil
	}
	h.check(c.String(), opPtr, c.method, c.route, resp, nil)
	s := &oaStream{what: c.String(), msgs: make(chan oaMessage, 1024), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer close(s.msgs)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 4<<20)
		var m oaMessage
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if m.event != "" || m.data != "" {
					s.msgs <- m
				}
				m = oaMessage{}
			case strings.HasPrefix(line, ":"), strings.HasPrefix(line, "retry:"):
			case strings.HasPrefix(line, "id: "):
				m.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				m.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				m.data += line[6:]
			default:
				s.msgs <- oaMessage{event: "malformed", data: line}
			}
		}
	}()
	return s
}

// close ends the stream and waits for its reader.
func (s *oaStream) close() {
	s.cancel()
	for range s.msgs {
	}
	<-s.done
}

// read validates the stream's messages against the documented schemas of
// their data until until returns true, and returns them.
func (h *oaHarness) read(s *oaStream, timeout time.Duration, until func(oaMessage) bool) []oaMessage {
	t := h.t
	t.Helper()
	mptr := oaPointer("paths", "/api/v1/talks/{id}/stream", "get", "responses", "200", "content", "text/event-stream")
	events, err := oaLookup(h.sp.doc, mptr+"/x-sse-events")
	if err != nil {
		t.Fatal(err)
	}
	var got []oaMessage
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case m, ok := <-s.msgs:
			if !ok {
				t.Errorf("%s: the stream ended early, after %d messages", s.what, len(got))
				return got
			}
			got = append(got, m)
			if _, ok := events.(map[string]any)[m.event]; !ok {
				t.Errorf("%s: message %q of kind %q is not documented: %.200s", s.what, m.id, m.event, m.data)
			} else if inst, err := oaInstance([]byte(m.data)); err != nil {
				t.Errorf("%s: %s message %s: the data is not JSON: %v", s.what, m.event, m.id, err)
			} else if err := h.sp.validate(mptr+oaPointer("x-sse-events", m.event), inst); err != nil {
				t.Errorf("%s: %s message %s does not validate:\n%v\ndata: %.500s", s.what, m.event, m.id, err, m.data)
			}
			if _, err := strconv.ParseInt(m.id, 10, 64); err != nil {
				t.Errorf("%s: message id %q is not a log index", s.what, m.id)
			}
			if until(m) {
				return got
			}
		case <-timer.C:
			t.Errorf("%s: timed out after %d messages", s.what, len(got))
			return got
		}
	}
}

func oaCheckpointSize(m oaMessage) (size int64) {
	var cp struct {
		Size int64 `json:"size"`
	}
	if m.event == "checkpoint" && json.Unmarshal([]byte(m.data), &cp) == nil {
		return cp.Size
	}
	return -1
}

// signIn signs in with an actor's key by challenge–response and returns
// the session.
func (h *oaHarness) signIn(key ed25519.PrivateKey) server.SessionResponse {
	t := h.t
	t.Helper()
	pub := parley.KeyString(key.Public().(ed25519.PublicKey))
	_, b := h.do(oaCall{method: "POST", route: "/api/v1/auth/challenge", body: map[string]string{"key": pub}, checkRequest: true, want: 200})
	var ch struct {
		Challenge string `json:"challenge"`
		Message   string `json:"message"`
	}
	if err := json.Unmarshal(b, &ch); err != nil {
		t.Fatal(err)
	}
	msg, err := base64.StdEncoding.DecodeString(ch.Message)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(msg), string(server.SessionMessage(oaHost, ch.Challenge)); got != want {
		t.Errorf("challenge message = %q, want %q", got, want)
	}
	sig := base64.StdEncoding.EncodeToString(ed25519.Sign(key, msg))
	_, b = h.do(oaCall{method: "POST", route: "/api/v1/auth/session", body: map[string]string{"key": pub, "challenge": ch.Challenge, "signature": sig}, checkRequest: true, want: 200})
	var s server.SessionResponse
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOpenAPIResponses(t *testing.T) {
	docBytes, doc := oaReadDoc(t)
	sp := oaNewSpec(t, doc)
	s := scenario.Moscow()
	ks, err := s.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	var srv *server.Server
	l := oaLedger(t, &srv)
	srv = server.New(l, server.Config{Host: oaHost, Secret: oaSecret(t), Demo: oaDemo(s, ks), UI: oaUI})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	defer srv.Close()
	h := &oaHarness{t: t, sp: sp, url: ts.URL, seen: map[string]map[int]bool{}}
	id := s.Talks
	talks := map[string]string{"id": id}
	with := func(kv ...string) map[string]string {
		m := map[string]string{"id": id}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}

	// Before any talks.
	h.do(oaCall{method: "GET", route: "/api/v1/talks", want: 200})
	h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}", params: talks, want: 404})
	h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/stream", params: talks, want: 404})
	_, info := h.do(oaCall{method: "GET", route: "/api/v1/info", want: 200})
	var si struct {
		Host string `json:"host"`
	}
	if err := json.Unmarshal(info, &si); err != nil || si.Host != oaHost {
		t.Fatalf("info host = %q (%v), want %q", si.Host, err, oaHost)
	}
	origin := parley.Origin(si.Host, id)

	// Replay the scenario over HTTP. After the founding event, look at the
	// talks while it is bare; once the mediator is named, open live streams
	// for the public and the mediator.
	var public, mediatorLive *oaStream
	var signed []parley.SignedEvent
	post := scenario.AppenderFunc(func(ctx context.Context, se parley.SignedEvent) error {
		_, b := h.do(oaCall{method: "POST", route: "/api/v1/talks/{id}/events", params: talks, body: se, checkRequest: true, want: 201})
		var rec struct {
			Index int64 `json:"index"`
		}
		if err := json.Unmarshal(b, &rec); err != nil {
			return fmt.Errorf("the receipt: %w; body: %.300s", err, b)
		}
		if got, want := rec.Index, int64(len(signed)); got != want {
			return fmt.Errorf("receipt index %d, want %d", got, want)
		}
		signed = append(signed, se)
		switch len(signed) {
		case 1:
			h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}", params: talks, want: 200})
			h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/agreement", params: talks, want: 200})
			h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/briefing", params: talks, want: 404})
		case 2: // the mediator is on the roster
			public = h.open(oaCall{method: "GET", route: "/api/v1/talks/{id}/stream", params: talks, want: 200})
			mediatorLive = h.open(oaCall{method: "GET", route: "/api/v1/talks/{id}/stream", params: talks, query: "after=-1", token: h.signIn(ks["mediator"]).Token, want: 200})
		}
		return nil
	})
	check := func(name string) error {
		// Each check of the script is a moment worth looking at.
		_, b := h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}", params: talks, want: 200})
		h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/agreement", params: talks, want: 200})
		var view struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if err := json.Unmarshal(b, &view); err != nil {
			return err
		}
		for _, it := range view.Items {
			h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/agreement/unlock/{item}", params: with("item", it.ID), want: 200})
		}
		return nil
	}
	if err := s.Replay(context.Background(), post, ks, origin, check); err != nil {
		t.Fatal(err)
	}
	if public == nil || mediatorLive == nil {
		t.Fatal("the live streams did not open")
	}
	defer public.close()
	defer mediatorLive.close()
	size := int64(len(signed))

	// Sign-ins: a delegate (the government's head) and the mediator.
	gov := h.signIn(ks["gov"])
	oppA := h.signIn(ks["oppA"])
	med := h.signIn(ks["mediator"])
	viewers := []struct {
		name  string
		token string
	}{{"public", ""}, {"delegate", gov.Token}, {"mediator", med.Token}}

	// More acts, through the demo routes: caucus messages and a statement
	// for the mediators only, which the public sees as hidden entries.
	sign := func(as, kind, vis string, payload any) {
		t.Helper()
		p, err := json.Marshal(payload)
		if err != nil {
			t.Fatal(err)
		}
		h.do(oaCall{method: "POST", route: "/api/v1/demo/sign", body: server.DemoSignRequest{As: as, Talks: id, Kind: kind, Vis: vis, Payload: p}, checkRequest: true, want: 201})
		size++
	}
	// A caucus message is sealed, by the client, to the recipients the
	// caucus route names.
	seals := map[int64]*seal.Sealed{}
	sealed := func(as, token, party, text string) parley.Caucus {
		t.Helper()
		_, b := h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/caucus/{party}", params: with("party", party), token: token, want: 200})
		var cv server.CaucusView
		if err := json.Unmarshal(b, &cv); err != nil {
			t.Fatal(err)
		}
		var rs []seal.Recipient
		for _, a := range cv.Recipients {
			k, err := parley.ParseKey(a.Key)
			if err != nil {
				t.Fatal(err)
			}
			pk, err := seal.ParsePublicKey(a.EncryptionKey)
			if err != nil {
				t.Fatalf("recipient %s: %v", a.Name, err)
			}
			rs = append(rs, seal.Recipient{Actor: k, Key: pk})
		}
		content, _ := json.Marshal(parley.CaucusContent{Text: text})
		sl, err := seal.Seal(seal.Context{Origin: origin, Kind: parley.KindCaucus, Channel: parley.VisParty(party), Sender: ks[as].Public().(ed25519.PublicKey)}, content, rs)
		if err != nil {
			t.Fatal(err)
		}
		seals[size] = sl
		raw, _ := json.Marshal(sl)
		return parley.Caucus{Party: party, Sealed: raw}
	}
	sign("gov", parley.KindCaucus, "", sealed("gov", gov.Token, "gov", "We could accept a list drawn up with the ICRC."))
	caucusIndex := size - 1
	sign("mediator", parley.KindCaucus, "", sealed("mediator", med.Token, "gov", "Noted; I will sound out the others."))
	sign("mediator", parley.KindStatement, parley.VisMediators, parley.Statement{Text: "Note for the file: a list with the ICRC may unblock M1b."})
	// A delegate joins gov later, with a key of its own, and publishes its
	// encryption key; the mediator wraps the keys of the earlier messages
	// again for it.
	_, late, _ := ed25519.GenerateKey(rand.Reader)
	lateEnc, err := seal.GenerateKey(seal.X25519)
	if err != nil {
		t.Fatal(err)
	}
	sign("gov", parley.KindAddActor, "", parley.AddActor{Key: parley.KeyString(late.Public().(ed25519.PublicKey)), Name: "Late delegate", Role: parley.RoleDelegate, Party: "gov"})
	ke, err := parley.NewEvent(id, parley.KindEncryptionKey, late.Public().(ed25519.PublicKey), time.Now(), parley.EncryptionKey{Key: lateEnc.Public().String()})
	if err != nil {
		t.Fatal(err)
	}
	kse, err := parley.Sign(origin, ke, late)
	if err != nil {
		t.Fatal(err)
	}
	h.do(oaCall{method: "POST", route: "/api/v1/talks/{id}/events", params: talks, body: kse, checkRequest: true, want: 201})
	size++
	var rws []parley.RewrapOf
	for i := caucusIndex; i < caucusIndex+2; i++ {
		by := "gov"
		if i > caucusIndex {
			by = "mediator"
		}
		c := seal.Context{Origin: origin, Kind: parley.KindCaucus, Channel: "party:gov", Sender: ks[by].Public().(ed25519.PublicKey)}
		rw, err := seal.NewRewrap(c, seals[i], ks["mediator"].Public().(ed25519.PublicKey), ks.Encryption("mediator"), nil, seal.Recipient{Actor: late.Public().(ed25519.PublicKey), Key: lateEnc.Public()})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(rw)
		rws = append(rws, parley.RewrapOf{Index: i, Rewrap: raw})
	}
	sign("mediator", parley.KindRewrap, "", parley.Rewrap{Rewraps: rws})

	// Every read, by each viewer.
	for _, v := range viewers {
		get := func(route, query string, params map[string]string, want int) {
			t.Helper()
			h.do(oaCall{method: "GET", route: route, params: params, query: query, token: v.token, want: want})
		}
		get("/api/openapi.json", "", nil, 200)
		get("/api/v1/info", "", nil, 200)
		get("/api/v1/talks", "", nil, 200)
		get("/api/v1/talks/{id}", "", talks, 200)
		get("/api/v1/talks/{id}/events", "", talks, 200)
		get("/api/v1/talks/{id}/events", "from=3&limit=10", talks, 200)
		get("/api/v1/talks/{id}/events", "from="+strconv.FormatInt(size, 10), talks, 200)
		for _, item := range []string{"D1", "M1a", "M1b"} {
			get("/api/v1/talks/{id}/items/{item}", "", with("item", item), 200)
			get("/api/v1/talks/{id}/items/{item}/versions/{n}", "", with("item", item, "n", "1"), 200)
			get("/api/v1/talks/{id}/agreement/unlock/{item}", "", with("item", item), 200)
		}
		get("/api/v1/talks/{id}/items/{item}/versions/{n}", "", with("item", "D1", "n", "2"), 200)
		get("/api/v1/talks/{id}/items/{item}/diff", "from=1&to=2", with("item", "D1"), 200)
		get("/api/v1/talks/{id}/items/{item}/diff", "from=2&to=2", with("item", "D1"), 200)
		get("/api/v1/talks/{id}/agreement", "", talks, 200)
		get("/api/v1/talks/{id}/statements", "", talks, 200)
		get("/api/v1/talks/{id}/briefing", "", talks, 200)
		get("/api/v1/talks/{id}/briefing", "round=r2", talks, 200)
		get("/api/v1/talks/{id}/checkpoint", "", talks, 200)
		get("/api/v1/talks/{id}/checkpoint", "size=5", talks, 200)
		get("/api/v1/talks/{id}/receipts/{index}", "", with("index", "0"), 200)
		get("/api/v1/talks/{id}/proofs/{index}", "", with("index", "0"), 200)
		get("/api/v1/talks/{id}/proofs/consistency", "from=1&to="+strconv.FormatInt(size, 10), talks, 200)
		get("/api/v1/talks/{id}/proofs/consistency", "from=7&to=40", talks, 200)
		get("/api/v1/talks/{id}/bundle", "", talks, 200)
		get("/api/v1/demo", "", nil, 200)
		for _, change := range []any{
			agreement.Position{Party: "gov", Item: "M1a", Stance: parley.StanceSupport},
			agreement.Position{Party: "oppB", Item: "M1b", Stance: parley.StanceConditional, Condition: "agreed(M1a) or agreed(D1)"},
			map[string]string{"party": "gov", "item": "D1"}, // withdraws
		} {
			h.do(oaCall{method: "POST", route: "/api/v1/talks/{id}/agreement/impact", params: talks, token: v.token, body: change, checkRequest: true, want: 200})
		}
	}
	for code, status := range oaStatusOfCode {
		_, b := h.do(oaCall{method: "GET", route: "/api/problems/{code}", params: map[string]string{"code": code}, want: 200})
		var pt server.Problem
		if err := json.Unmarshal(b, &pt); err != nil || pt.Status != status {
			t.Errorf("GET /api/problems/%s: status %d (%v), want %d", code, pt.Status, err, status)
		}
	}
	_, served := h.do(oaCall{method: "GET", route: "/api/openapi.json", want: 200})
	if !bytes.Equal(served, docBytes) {
		t.Errorf("GET /api/openapi.json serves %d bytes that differ from %s (%d bytes)", len(served), oaDocPath, len(docBytes))
	}

	// A third round in which the government's stance is for the mediators
	// only: the public then sees a partial agreement, and a briefing
	// without that stance.
	sign("mediator", parley.KindPlanRound, "", parley.PlanRound{Round: "r3", Title: "Third round", Starts: "2015-06-01", Ends: "2015-06-02", Venue: "Moscow"})
	h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}", params: talks, want: 200}) // a round with no invitation yet
	sign("mediator", parley.KindInvite, "", parley.Invitation{Round: "r3", Party: "gov"})
	sign("gov", parley.KindAcceptInvitation, "", parley.Invitation{Round: "r3", Party: "gov"})
	sign("mediator", parley.KindOpenRound, "", parley.RoundRef{Round: "r3"})
	sign("gov", parley.KindSetStance, parley.VisMediators, parley.SetStance{Item: "M1b", Version: 1, Party: "gov", Stance: parley.StanceConditional, Condition: "agreed(D1) and not agreed(M1a)"})
	if _, b := h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/briefing", params: talks, want: 200}); bytes.Contains(b, []byte("agreed(D1) and not agreed(M1a)")) || bytes.Contains(b, []byte("M1a is not agreed")) {
		t.Errorf("the public briefing shows the government's stance for the mediators only:\n%s", b)
	}
	h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/briefing", params: talks, token: med.Token, want: 200})
	h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/briefing", params: talks, query: "round=r9", token: med.Token, want: 404})
	h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/items/{item}", params: with("item", "M1b"), want: 200})
	h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/items/{item}", params: with("item", "M1b"), token: med.Token, want: 200})

	// Rules of each kind, a package, and a condition that keeps M1a from
	// settling: the agreement then has no outcome and says why.
	sign("mediator", parley.KindSetRule, "", parley.SetRule{Item: "M1a", Rule: parley.Rule{Kind: parley.RuleMajority, Threshold: 0.5}})
	sign("mediator", parley.KindSetRule, "", parley.SetRule{Item: "D1", Rule: parley.Rule{Kind: parley.RuleConsensusMinus, N: 1}})
	sign("mediator", parley.KindSetPackage, "", parley.SetPackage{Package: "release", Items: []string{"D1", "M1b"}})
	sign("gov", parley.KindSetStance, "", parley.SetStance{Item: "M1a", Version: 1, Party: "gov", Stance: parley.StanceConditional, Condition: "not agreed(M1a)"})
	for _, v := range viewers {
		_, b := h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/agreement", params: talks, token: v.token, want: 200})
		for _, member := range []string{`"oscillating":[{`, `"package":["D1","M1b"]`, `"threshold":0.5`, `"n":1`} {
			if !bytes.Contains(b, []byte(member)) {
				t.Errorf("GET /api/v1/talks/{id}/agreement as %s: no %s in %.300s", v.name, member, b)
			}
		}
		h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}", params: talks, token: v.token, want: 200})
		for _, item := range []string{"D1", "M1a", "M1b"} {
			h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/items/{item}", params: with("item", item), token: v.token, want: 200})
			h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/agreement/unlock/{item}", params: with("item", item), token: v.token, want: 200})
		}
		h.do(oaCall{method: "POST", route: "/api/v1/talks/{id}/agreement/impact", params: talks, token: v.token, body: agreement.Position{Party: "gov", Item: "M1a", Stance: parley.StanceSupport}, checkRequest: true, want: 200})
	}

	// A witness: the head of oppA cosigns the latest checkpoint, which the
	// checkpoint and the bundle then carry.
	_, b := h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/checkpoint", params: talks, want: 200})
	var latest struct {
		Size int64  `json:"size"`
		Note string `json:"note"`
	}
	if err := json.Unmarshal(b, &latest); err != nil {
		t.Fatal(err)
	}
	oppAPub := ks["oppA"].Public().(ed25519.PublicKey)
	cosigned, err := record.Cosign([]byte(latest.Note), record.WitnessName("oppA", oppAPub), ks["oppA"], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h.do(oaCall{method: "POST", route: "/api/v1/talks/{id}/events", params: talks, body: oaSignAs(t, ks["oppA"], origin, id, parley.KindCosign, parley.Cosign{Size: latest.Size, Note: string(cosigned)}), checkRequest: true, want: 201})
	size++
	_, b = h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/checkpoint", params: talks, query: "size=" + strconv.FormatInt(latest.Size, 10), want: 200})
	if !bytes.Contains(b, []byte(`"witnesses":[{`)) {
		t.Errorf("the cosigned checkpoint lists no witness: %.500s", b)
	}
	_, b = h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/bundle", params: talks, want: 200})
	if !bytes.Contains(b, []byte(`"witnesses":[{`)) {
		t.Errorf("the bundle lists no witness: %.300s", b)
	}

	// The live streams have seen it all.
	for _, st := range []*oaStream{public, mediatorLive} {
		msgs := h.read(st, 10*time.Second, func(m oaMessage) bool { return oaCheckpointSize(m) == size })
		agreementSeen := false
		for _, m := range msgs {
			agreementSeen = agreementSeen || m.event == "agreement"
			if st == public && m.event == "event" {
				var e struct {
					Vis string `json:"vis"`
				}
				if json.Unmarshal([]byte(m.data), &e) == nil && e.Vis != parley.VisPublic {
					t.Errorf("%s: the public stream carried event %s with visibility %q", st.what, m.id, e.Vis)
				}
			}
		}
		if !agreementSeen {
			h.read(st, 5*time.Second, func(m oaMessage) bool { return m.event == "agreement" })
		}
	}

	// What only some may see.
	h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/caucus/{party}", params: with("party", "gov"), token: gov.Token, want: 200})
	h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/caucus/{party}", params: with("party", "gov"), token: med.Token, want: 200})
	h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/caucus/{party}", params: with("party", "oppA"), token: oppA.Token, want: 200})
	h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/caucus/{party}", params: with("party", "gov"), token: oppA.Token, want: 403})
	h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/caucus/{party}", params: with("party", "gov"), want: 403})
	h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/receipts/{index}", params: with("index", strconv.FormatInt(caucusIndex, 10)), token: gov.Token, want: 200})
	h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/receipts/{index}", params: with("index", strconv.FormatInt(caucusIndex, 10)), want: 404})
	h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/proofs/{index}", params: with("index", strconv.FormatInt(caucusIndex, 10)), token: oppA.Token, want: 404})
	_, b = h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/agreement", params: talks, want: 200})
	var av struct {
		Partial bool `json:"partial"`
		Hidden  int  `json:"hidden"`
	}
	err = json.Unmarshal(b, &av)
	_, b = h.do(oaCall{method: "GET", route: "/api/v1/talks/{id}/events", params: talks, want: 200})
	hiddenEntries := bytes.Count(b, []byte(`"hidden":true`))
	if hiddenEntries == 0 {
		t.Error("the public log shows no hidden entry")
	}
	if err != nil || !av.Partial || av.Hidden != hiddenEntries {
		t.Errorf("the public agreement: partial %v, hidden %d (%v); want true, %d as in the log", av.Partial, av.Hidden, err, hiddenEntries)
	}

	// Sessions: whoami by token and by cookie, CSRF, sign-out.
	h.do(oaCall{method: "GET", route: "/api/v1/auth/session", token: gov.Token, want: 200})
	h.do(oaCall{method: "GET", route: "/api/v1/auth/session", want: 401})
	resp, b := h.do(oaCall{method: "POST", route: "/api/v1/demo/session", body: map[string]string{"as": "oppB"}, checkRequest: true, want: 200})
	var demoSession server.SessionResponse
	if err := json.Unmarshal(b, &demoSession); err != nil {
		t.Fatal(err)
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "parley_session" {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatal("POST /api/v1/demo/session set no parley_session cookie")
	}
	withCookie := http.Header{"Cookie": {cookie.Name + "=" + cookie.Value}}
	withCSRF := http.Header{"Cookie": {cookie.Name + "=" + cookie.Value}, "X-Csrf-Token": {demoSession.CSRF}}
	h.do(oaCall{method: "GET", route: "/api/v1/auth/session", header: withCookie, want: 200})
	impact := agreement.Position{Party: "gov", Item: "M1a", Stance: parley.StanceOppose}
	h.do(oaCall{method: "POST", route: "/api/v1/talks/{id}/agreement/impact", params: talks, header: withCookie, body: impact, want: 403})
	h.do(oaCall{method: "POST", route: "/api/v1/talks/{id}/agreement/impact", params: talks, header: withCSRF, body: impact, want: 200})
	h.do(oaCall{method: "DELETE", route: "/api/v1/auth/session", header: withCookie, want: 403})
	h.do(oaCall{method: "DELETE", route: "/api/v1/auth/session", header: withCSRF, want: 204})
	h.do(oaCall{method: "DELETE", route: "/api/v1/auth/session", token: gov.Token, want: 204})
	h.do(oaCall{method: "DELETE", route: "/api/v1/auth/session", want: 204})

	// A delegate's stream resumes after an index and then goes live.
	resumed := h.open(oaCall{method: "GET", route: "/api/v1/talks/{id}/stream", params: talks, token: oppA.Token, header: http.Header{"Last-Event-Id": {"40"}}, want: 200})
	if resumed != nil {
		sign("oppA", parley.KindStatement, "", parley.Statement{Text: "We will come to a third round only with a list of detainees on the table.", Lang: "en"})
		h.read(resumed, 10*time.Second, func(m oaMessage) bool { return oaCheckpointSize(m) == size })
		resumed.close()
	}

	// Errors.
	unknown := map[string]string{"id": "no-such-talks"}
	for _, c := range []oaCall{
		// 400
		{method: "POST", route: "/api/v1/talks/{id}/events", params: talks, body: signed[0], ctype: "text/plain", want: 400},
		{method: "POST", route: "/api/v1/talks/{id}/events", params: talks, body: []byte(`{"event": "e30=", "sig"`), want: 400},
		{method: "POST", route: "/api/v1/talks/{id}/events", params: talks, body: []byte(`{"event": "e30=", "sig": "", "extra": 1}`), want: 400},
		{method: "POST", route: "/api/v1/talks/{id}/events", params: talks, body: []byte(`{"event": "e30=", "sig": "", "sig": ""}`), want: 400},
		{method: "POST", route: "/api/v1/talks/{id}/events", params: map[string]string{"id": "another-talks"}, body: signed[1], want: 400},
		{method: "POST", route: "/api/v1/auth/challenge", body: map[string]string{"key": "not a key"}, want: 400},
		{method: "POST", route: "/api/v1/talks/{id}/agreement/impact", params: talks, body: map[string]string{"party": "gov", "item": "M1a", "stance": "maybe"}, want: 400},
		{method: "POST", route: "/api/v1/demo/sign", body: []byte(`{"as": "gov"`), want: 400},
		{method: "POST", route: "/api/v1/demo/session", body: map[string]string{"as": "gov"}, ctype: "application/x-www-form-urlencoded", want: 400},
		{method: "GET", route: "/api/v1/talks/{id}/events", params: talks, query: "limit=0", want: 400},
		{method: "GET", route: "/api/v1/talks/{id}/events", params: talks, query: "from=-1", want: 400},
		{method: "GET", route: "/api/v1/talks/{id}/items/{item}/versions/{n}", params: with("item", "D1", "n", "two"), want: 400},
		{method: "GET", route: "/api/v1/talks/{id}/items/{item}/diff", params: with("item", "D1"), query: "to=2", want: 400},
		{method: "GET", route: "/api/v1/talks/{id}/checkpoint", params: talks, query: "size=latest", want: 400},
		{method: "GET", route: "/api/v1/talks/{id}/receipts/{index}", params: with("index", "first"), want: 400},
		{method: "GET", route: "/api/v1/talks/{id}/proofs/{index}", params: with("index", "-"), want: 400},
		{method: "GET", route: "/api/v1/talks/{id}/proofs/consistency", params: talks, want: 400},
		{method: "GET", route: "/api/v1/talks/{id}/proofs/consistency", params: talks, query: "from=5&to=4", want: 400},
		{method: "GET", route: "/api/v1/talks/{id}/stream", params: talks, header: http.Header{"Last-Event-Id": {"soon"}}, want: 400},
		{method: "GET", route: "/api/v1/talks/{id}/stream", params: talks, query: "after=-5", want: 400},
		// 401
		{method: "GET", route: "/api/v1/talks/{id}", params: talks, header: http.Header{"Authorization": {"Basic Z292OmdvdgEK"}}, want: 401},
		{method: "GET", route: "/api/v1/talks", token: "forged.token", want: 401},
		{method: "POST", route: "/api/v1/auth/session", body: map[string]string{"key": gov.Key, "challenge": "forged.challenge", "signature": base64.StdEncoding.EncodeToString(make([]byte, 64))}, want: 401},
		{method: "POST", route: "/api/v1/talks/{id}/events", params: talks, body: parley.SignedEvent{Bytes: signed[2].Bytes, Sig: signed[3].Sig}, want: 401},
		// 403: the head of oppA may not speak for the government.
		{method: "POST", route: "/api/v1/talks/{id}/events", params: talks, body: oaSignAs(t, ks["oppA"], origin, id, parley.KindSetStance, parley.SetStance{Item: "D1", Version: 2, Party: "gov", Stance: parley.StanceOppose}), want: 403},
		{method: "POST", route: "/api/v1/demo/sign", body: server.DemoSignRequest{As: "lavrov", Talks: id, Kind: parley.KindAddItem, Payload: json.RawMessage(`{"item": "X1", "title": "Anything", "kind": "measure"}`)}, want: 403},
		// 404
		{method: "GET", route: "/api/problems/{code}", params: map[string]string{"code": "teapot"}, want: 404},
		{method: "GET", route: "/api/v1/talks/{id}", params: unknown, want: 404},
		{method: "GET", route: "/api/v1/talks/{id}/events", params: unknown, want: 404},
		{method: "GET", route: "/api/v1/talks/{id}/agreement", params: unknown, want: 404},
		{method: "GET", route: "/api/v1/talks/{id}/statements", params: unknown, want: 404},
		{method: "GET", route: "/api/v1/talks/{id}/checkpoint", params: unknown, want: 404},
		{method: "GET", route: "/api/v1/talks/{id}/bundle", params: unknown, want: 404},
		{method: "GET", route: "/api/v1/talks/{id}/items/{item}", params: with("item", "Z9"), want: 404},
		{method: "GET", route: "/api/v1/talks/{id}/items/{item}/versions/{n}", params: with("item", "D1", "n", "3"), want: 404},
		{method: "GET", route: "/api/v1/talks/{id}/items/{item}/diff", params: with("item", "M1a"), query: "from=1&to=2", want: 404},
		{method: "GET", route: "/api/v1/talks/{id}/agreement/unlock/{item}", params: with("item", "Z9"), want: 404},
		// 400: an index past the log is refused before it costs anything.
		{method: "GET", route: "/api/v1/talks/{id}/checkpoint", params: talks, query: "size=" + strconv.FormatInt(size+100, 10), want: 400},
		{method: "GET", route: "/api/v1/talks/{id}/receipts/{index}", params: with("index", strconv.FormatInt(size+100, 10)), want: 400},
		{method: "GET", route: "/api/v1/talks/{id}/events", params: talks, query: "from=" + strconv.FormatInt(size+5, 10), want: 400},
		{method: "GET", route: "/api/v1/talks/{id}/caucus/{party}", params: map[string]string{"id": "no-such-talks", "party": "gov"}, want: 404},
		{method: "POST", route: "/api/v1/demo/session", body: map[string]string{"as": "nobody"}, want: 404},
		{method: "POST", route: "/api/v1/talks/{id}/agreement/impact", params: unknown, body: impact, want: 404},
		// 409: an event recorded already.
		{method: "POST", route: "/api/v1/talks/{id}/events", params: talks, body: signed[5], want: 409},
		{method: "POST", route: "/api/v1/demo/sign", body: server.DemoSignRequest{As: "mediator", Talks: id, Kind: parley.KindOpenRound, Payload: json.RawMessage(`{"round": "r1"}`)}, want: 409},
		// 413
		{method: "POST", route: "/api/v1/talks/{id}/agreement/impact", params: talks, body: map[string]string{"party": "gov", "item": "D1", "condition": strings.Repeat("x", 17<<10)}, want: 413},
		{method: "POST", route: "/api/v1/auth/challenge", body: map[string]string{"key": strings.Repeat("A", 5<<10)}, want: 413},
		{method: "POST", route: "/api/v1/auth/session", body: map[string]string{"key": gov.Key, "challenge": strings.Repeat("c", 5<<10)}, want: 413},
		{method: "POST", route: "/api/v1/demo/session", body: map[string]string{"as": strings.Repeat("g", 2<<10)}, want: 413},
	} {
		h.do(c)
	}

	// 413, 429 and 503, from servers over the same ledger: one that allows
	// almost no reads and small bodies, one that is shutting down.
	slow := server.New(l, server.Config{Host: oaHost, Secret: oaSecret(t), ReadRate: 0.001, MaxBody: 1 << 10})
	slowTS := httptest.NewServer(slow.Handler())
	defer slowTS.Close()
	defer slow.Close()
	hs := &oaHarness{t: t, sp: sp, url: slowTS.URL, seen: h.seen}
	hs.do(oaCall{method: "GET", route: "/api/v1/talks/{id}", params: talks, want: 429})
	hs.do(oaCall{method: "GET", route: "/api/v1/info", want: 429})
	hs.do(oaCall{method: "POST", route: "/api/v1/talks/{id}/events", params: talks, body: parley.SignedEvent{Bytes: bytes.Repeat([]byte(" "), 2<<10), Sig: make([]byte, 64)}, want: 413})
	closing := server.New(l, server.Config{Host: oaHost, Secret: oaSecret(t), ReadRate: -1})
	closingTS := httptest.NewServer(closing.Handler())
	defer closingTS.Close()
	closing.Close()
	hc := &oaHarness{t: t, sp: sp, url: closingTS.URL, seen: h.seen}
	hc.open(oaCall{method: "GET", route: "/api/v1/talks/{id}/stream", params: talks, want: 503})

	// The illustrative exchange, with its measures carried out.
	oaExchange(t, h, func(talks string) string { return parley.Origin(si.Host, talks) })

	// Every operation answered with success at least once, and validated.
	var missed []string
	for path, item := range doc["paths"].(map[string]any) {
		for _, m := range oaMethods {
			if _, ok := item.(map[string]any)[m]; !ok {
				continue
			}
			ok := false
			for status := range h.seen[strings.ToUpper(m)+" "+path] {
				ok = ok || status/100 == 2
			}
			if !ok {
				missed = append(missed, strings.ToUpper(m)+" "+path)
			}
		}
	}
	sort.Strings(missed)
	if len(missed) > 0 {
		t.Errorf("operations never answered with success in this test:\n\t%s", strings.Join(missed, "\n\t"))
	}
}

// oaStatusOfCode is the status of each error code, as ErrorCode documents.
var oaStatusOfCode = map[string]int{
	parley.EINVALID: 400, parley.EUNAUTHORIZED: 401, parley.EFORBIDDEN: 403, parley.ENOTFOUND: 404,
	parley.ECONFLICT: 409, parley.ETOOLARGE: 413, parley.ERATELIMIT: 429, parley.EUNAVAILABLE: 503, parley.EINTERNAL: 500,
	parley.ECORRUPT: 500,
}

// oaSignAs signs an event of a kind by key now.
func oaSignAs(t *testing.T, key ed25519.PrivateKey, origin, talks, kind string, payload any) parley.SignedEvent {
	t.Helper()
	e, err := parley.NewEvent(talks, kind, key.Public().(ed25519.PublicKey), time.Now(), payload)
	if err != nil {
		t.Fatal(err)
	}
	se, err := parley.Sign(origin, e, key)
	if err != nil {
		t.Fatal(err)
	}
	return se
}
