//go:build js && wasm

package main

import (
	"syscall/js"
	"time"
)

// main installs globalThis.parleyPackages(instance, options) and waits
// for ever, since the page calls it after main has returned to the event
// loop. options is an object, every member optional: current and proposal
// (packages as JSON text), lang, names (party ID → name), maxTies,
// maxPoints, timeoutMs. It returns {result, svg, error, code}: result the
// JSON text that `parley packages` writes, svg the picture of two parties,
// or error a message in lang and code its parley code.
func main() {
	js.Global().Set("parleyPackages", js.FuncOf(func(this js.Value, args []js.Value) any {
		var req request
		if len(args) > 0 && args[0].Type() == js.TypeString {
			req.Instance = args[0].String()
		}
		if len(args) > 1 && args[1].Type() == js.TypeObject {
			o := args[1]
			str := func(k string) string {
				if v := o.Get(k); v.Type() == js.TypeString {
					return v.String()
				}
				return ""
			}
			num := func(k string) int {
				if v := o.Get(k); v.Type() == js.TypeNumber {
					return v.Int()
				}
				return 0
			}
			req.Current, req.Proposal, req.Lang = str("current"), str("proposal"), str("lang")
			req.MaxTies, req.MaxPoints = num("maxTies"), num("maxPoints")
			req.Timeout = time.Duration(num("timeoutMs")) * time.Millisecond
			if n := o.Get("names"); n.Type() == js.TypeObject {
				keys := js.Global().Get("Object").Call("keys", n)
				req.Names = map[string]string{}
				for i := 0; i < keys.Length(); i++ {
					k := keys.Index(i).String()
					if v := n.Get(k); v.Type() == js.TypeString {
						req.Names[k] = v.String()
					}
				}
			}
		}
		r := compute(req)
		return map[string]any{"result": r.Result, "svg": r.SVG, "error": r.Error, "code": r.Code}
	}))
	js.Global().Call("dispatchEvent", js.Global().Get("Event").New("parley-wasm-ready"))
	select {}
}
