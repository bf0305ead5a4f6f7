//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "parley-wasm runs in a browser: build it with go run ./internal/vendorjs -wasm (GOOS=js GOARCH=wasm)")
	os.Exit(2)
}
