package picture

import "github.com/parleyhq/parley/i18n"

// en is the language the pictures are written in until they take the
// reader's.
var en = i18n.For(i18n.English)
