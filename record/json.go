package record

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
)

// strict are the options of every JSON decoding in this package. Beside the
// defaults of json v2 (valid UTF-8, no duplicate member names, names
// matched exactly), they refuse unknown members and null, read integers
// without a sign on zero, and byte strings as strict standard base64:
// padded, no line breaks, no escapes, no stray bits. Every value has one
// spelling.
var strict = json.JoinOptions(
	json.RejectUnknownMembers(true),
	json.WithUnmarshalers(json.JoinUnmarshalers(
		json.UnmarshalFromFunc(func(d *jsontext.Decoder, _ any) error {
			if d.PeekKind() == 'n' {
				return errors.New("null is not allowed")
			}
			return json.SkipFunc
		}),
		json.UnmarshalFromFunc(func(d *jsontext.Decoder, n *int64) error {
			v, err := d.ReadValue()
			if err != nil {
				return err
			}
			if v.Kind() != '0' || bytes.ContainsAny(v, ".eE") || string(v) == "-0" {
				return errors.New("want an integer")
			}
			*n, err = strconv.ParseInt(string(v), 10, 64)
			return err
		}),
		json.UnmarshalFromFunc(func(d *jsontext.Decoder, b *[]byte) error {
			v, err := readBase64(d, -1)
			*b = v
			return err
		}),
		json.UnmarshalFromFunc(func(d *jsontext.Decoder, h *parley.Hash) error {
			v, err := readBase64(d, len(h))
			copy(h[:], v)
			return err
		}),
		json.UnmarshalFromFunc(func(d *jsontext.Decoder, h *tlog.Hash) error {
			v, err := readBase64(d, len(h))
			copy(h[:], v)
			return err
		}),
	)),
)

var errBase64 = errors.New("want a string in standard base64 with padding")

// readBase64 reads one JSON string in strict standard base64. A size ≥ 0
// is the only decoded length allowed.
func readBase64(d *jsontext.Decoder, size int) ([]byte, error) {
	v, err := d.ReadValue()
	if err != nil {
		return nil, err
	}
	if v.Kind() != '"' {
		return nil, errBase64
	}
	s := v[1 : len(v)-1]
	if bytes.IndexByte(s, '\\') >= 0 {
		return nil, errBase64
	}
	b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Strict().Decode(b, s)
	if err != nil || bytes.ContainsAny(s, "\r\n") {
		return nil, errBase64
	}
	if size >= 0 && n != size {
		return nil, fmt.Errorf("want %d bytes in standard base64", size)
	}
	return b[:n], nil
}

// unmarshal decodes JSON data into v with the strict options.
func unmarshal(data []byte, v any) error { return json.Unmarshal(data, v, strict) }

// marshal encodes v as compact JSON: byte strings and hashes in standard
// base64, members in the order of the Go fields.
func marshal(v any) ([]byte, error) { return json.Marshal(v) }
