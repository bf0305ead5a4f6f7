// Package drawingtest checks what every drawing must hold to, for the
// tests of the packages that draw.
package drawingtest

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// Check returns why svg is not a drawing fit to inline in a page: it must
// be well-formed XML whose root is an svg with role="img" and a viewBox,
// labelled by its title and description; hold no script, style or
// foreignObject (the pages' Content Security Policy allows neither inline
// script nor style); give every link an address; and use each id once.
func Check(svg string) error {
	d := xml.NewDecoder(strings.NewReader(svg))
	d.Strict = true
	ids := map[string]bool{}
	var labelledBy string
	depth, roots := 0, 0
	var path []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("not well-formed XML: %w", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			attrs := map[string]string{}
			for _, a := range x.Attr {
				attrs[a.Name.Local] = a.Value
			}
			if depth == 0 {
				roots++
				if x.Name.Local != "svg" || attrs["role"] != "img" || attrs["viewBox"] == "" {
					return fmt.Errorf("the root is <%s role=%q viewBox=%q>, want an svg image", x.Name.Local, attrs["role"], attrs["viewBox"])
				}
				labelledBy = attrs["aria-labelledby"]
			}
			switch x.Name.Local {
			case "script", "style", "foreignObject":
				return fmt.Errorf("the picture holds a <%s>", x.Name.Local)
			case "a":
				if attrs["href"] == "" {
					return fmt.Errorf("a link without an address")
				}
			}
			if _, ok := attrs["style"]; ok {
				return fmt.Errorf("<%s> has a style attribute", x.Name.Local)
			}
			for name := range attrs {
				if strings.HasPrefix(name, "on") {
					return fmt.Errorf("<%s> has an event handler %s", x.Name.Local, name)
				}
			}
			if id := attrs["id"]; id != "" {
				if ids[id] {
					return fmt.Errorf("the id %q is used twice", id)
				}
				ids[id] = true
			}
			path = append(path, x.Name.Local)
			depth++
		case xml.EndElement:
			depth--
			path = path[:len(path)-1]
		}
	}
	if roots != 1 {
		return fmt.Errorf("%d root elements", roots)
	}
	for _, id := range strings.Fields(labelledBy) {
		if !ids[id] {
			return fmt.Errorf("aria-labelledby names %q, which is not there", id)
		}
	}
	if len(strings.Fields(labelledBy)) != 2 {
		return fmt.Errorf("aria-labelledby is %q, want the title and the description", labelledBy)
	}
	return nil
}
