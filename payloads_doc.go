package parley

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// PayloadsText writes, as the Markdown tables of docs/RECORD.md §9.1, the
// members of the payload of every kind and of the objects they hold, read
// from the Go types by reflection: each member's name, its JSON type, and
// whether it may be left out. A test checks that the document holds
// exactly this text.
func PayloadsText() string {
	var b strings.Builder
	b.WriteString("| kind | payload members |\n|---|---|\n")
	objects := map[reflect.Type]bool{}
	var order []reflect.Type
	note := func(t reflect.Type) {
		if !objects[t] {
			objects[t] = true
			order = append(order, t)
		}
	}
	for _, s := range kindTable {
		fmt.Fprintf(&b, "| `%s` | %s |\n", s.Kind, members(reflect.TypeOf(s.New()).Elem(), note))
	}
	b.WriteString("\n| object | members |\n|---|---|\n")
	for k := 0; k < len(order); k++ {
		t := order[k]
		fmt.Fprintf(&b, "| %s | %s |\n", t.Name(), members(t, note))
	}
	return b.String()
}

var rawMessage = reflect.TypeOf(json.RawMessage(nil))

// members says the members of a struct type: "`item` string, `rule`
// Rule (optional)".
func members(t reflect.Type, note func(reflect.Type)) string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m := "`" + name + "` " + docType(f.Type, note)
		if slices.Contains(strings.Split(opts, ","), "omitempty") || slices.Contains(strings.Split(opts, ","), "omitzero") || f.Type.Kind() == reflect.Pointer {
			m += " (optional)"
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return "none: `{}`"
	}
	return strings.Join(out, ", ")
}

// docType names the JSON a Go type decodes from.
func docType(t reflect.Type, note func(reflect.Type)) string {
	if t == rawMessage {
		return "any JSON value"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return docType(t.Elem(), note)
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer ≥ 0"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice:
		return "array of " + docType(t.Elem(), note)
	case reflect.Array:
		return fmt.Sprintf("array of %d × %s", t.Len(), docType(t.Elem(), note))
	case reflect.Map:
		return "object of " + docType(t.Elem(), note)
	case reflect.Struct:
		note(t)
		return t.Name()
	}
	return t.String()
}
