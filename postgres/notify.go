package postgres

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley"
)

// notifyChannel returns the name of the channel on which the appends to
// the store in schema are announced. A channel name is short, so it holds
// a hash of the schema's name.
func notifyChannel(schema string) string {
	h := fnv.New64a()
	h.Write([]byte(schema))
	return fmt.Sprintf("parley_appends_%016x", h.Sum64())
}

// Notify calls f with a talks and the size of its log after each append
// committed to the store, by this process or any other, in the order of
// the commits, until ctx is done (it then returns ctx.Err()) or the
// connection it listens on fails. It listens with a connection of its own,
// outside the pool. Appends committed while nothing listens are not
// reported: a caller that calls Notify again after an error catches up by
// reading the sizes of the talks it follows.
func (s *Store) Notify(ctx context.Context, f func(talks string, size int64)) error {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig)
	if err != nil {
		return wrap(err, "connecting to listen for appends")
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return wrap(err, "listening for appends")
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return wrap(err, "waiting for appends")
		}
		talks, size, ok := parseNotice(n.Payload)
		if !ok {
			continue // not sent by a store
		}
		f(talks, size)
	}
}

// notice returns the payload of the notification of an append.
func notice(talks string, size int64) string {
	return talks + " " + strconv.FormatInt(size, 10)
}

// parseNotice parses the payload of the notification of an append.
func parseNotice(payload string) (talks string, size int64, ok bool) {
	talks, n, ok := strings.Cut(payload, " ")
	if !ok || !parley.ValidTalksID(talks) {
		return "", 0, false
	}
	size, err := strconv.ParseInt(n, 10, 64)
	if err != nil || size <= 0 {
		return "", 0, false
	}
	return talks, size, true
}
