// Package picture draws the story of a talks as SVG, on the server, so
// that the pictures read without JavaScript, print, and say everything
// they show as text for assistive technology:
//
//   - the blocking graph of an item (Blocking, WriteGraph): the item, the
//     items its failing conditions wait on, down to the root blockers,
//     each party's vote on each edge, the one-move unlocks marked on it;
//   - the agreement over time (Timeline, WriteTimeline): a lane per item
//     across the days of the talks, its agreed spans, a mark for each gain
//     and loss linking to the dashboard as it was then, and a scrubber;
//   - progress and a forecast (Progress, Fit, WriteProgress): open items,
//     brackets and divergences per day, and when they reach zero at the
//     pace so far, with its uncertainty;
//   - status badges (BadgeOf, WriteBadge) that tell lost agreement from
//     never agreed.
//
// Each picture is built as data first (Graph, LaneChart, ProgressChart),
// which tests and pages can read without parsing SVG, then written. The
// data comes from one viewer's view (package view) and that viewer's
// history and evaluation, so that a picture never shows what its viewer
// may not see. Writing is deterministic: the same data gives the same
// bytes. The SVG uses presentation attributes only (no style element or
// attribute, no script), so that it passes the pages' Content Security
// Policy when inlined. docs/PICTURES.md says how each picture is computed
// and what it leaves out.
//
// Every function accepts any input without panicking; errors are
// *parley.Error values.
package picture
