//go:build js

package i18n

import "embed"

// files are, in a WebAssembly build (cmd/parley-wasm, which computes the
// packages in a mediator's page), only the catalogs of what it says: the
// words of dates and lists, the frontier's picture, the packages page's
// messages and the errors of the preferences it reads. The build is
// committed and checked byte for byte against its source, so that a
// change to a catalog it does not use leaves it as it is.
//
//go:embed catalog/*/i18n.json catalog/*/frontier.json catalog/*/packages-page.json catalog/*/errors-core.json catalog/en/plurals.json
var files embed.FS
