//go:build !js

package i18n

import "embed"

// files are the catalogs of every language.
//
//go:embed catalog
var files embed.FS
