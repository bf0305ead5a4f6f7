package picture_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/parleyhq/parley/picture"
)

// TestTimelineScrubLinks checks that Links.Scrub points the scrubber's
// ticks, and only them, elsewhere: a page that moves its own cursor
// keeps the lanes' marks on the dashboard as it was.
func TestTimelineScrubLinks(t *testing.T) {
	m := loadMoscow(t)
	c, err := picture.Timeline(nil, m.h, m.t, moscowDay(6), moscowDay(10))
	if err != nil {
		t.Fatal(err)
	}
	gain := m.stanceIndex(t, "oppC", "D1", "support")
	scrub := func(talks string, index int64) string {
		return fmt.Sprintf("/talks/%s/history?at=%d&range=r2", talks, index)
	}
	var buf bytes.Buffer
	if err := picture.WriteTimeline(&buf, c, picture.Options{Links: picture.Links{Scrub: scrub}}); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	checkSVG(t, svg)
	tick := fmt.Sprintf(`<a href="/talks/moscow-consultations/history?at=%d&amp;range=r2">`, gain)
	mark := fmt.Sprintf(`<a href="/talks/moscow-consultations/dashboard?at=%d">`, gain)
	if n := strings.Count(svg, tick); n != 1 {
		t.Errorf("the scrubber links %d times to %s, want once (its tick)", n, tick)
	}
	if n := strings.Count(svg, mark); n != 1 {
		t.Errorf("the lanes link %d times to %s, want once (D1's mark)", n, mark)
	}
}
