package postgres

import "context"

// talksLockClass is the first key of the advisory locks on talks, next to
// the one of migrations (lockClass).
const talksLockClass = lockClass + 1

// LockTalks takes a session advisory lock on a talks for appends, on a
// connection of its own, and returns the function that releases it.
// Processes that append to the same talks take turns on this lock around
// checking a batch against their state and appending it, so that none
// checks acts against a log another process is extending, and none
// starves; PostgreSQL grants waiting locks in turn. A lock whose
// connection dies is released by the server. Talks whose names hash alike
// share a lock, which only makes them take turns too.
func (s *Store) LockTalks(ctx context.Context, talks string) (unlock func(), err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, wrap(err, "locking talks %s", talks)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1, hashtext($2))", talksLockClass, s.schema+"/"+talks); err != nil {
		// Whether or not the lock was granted before the error, closing
		// the connection releases it.
		conn.Conn().Close(context.WithoutCancel(ctx))
		conn.Release()
		return nil, wrap(err, "locking talks %s", talks)
	}
	return func() {
		ctx := context.WithoutCancel(ctx)
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock($1, hashtext($2))", talksLockClass, s.schema+"/"+talks); err != nil {
			// The lock goes with the connection.
			conn.Conn().Close(ctx)
		}
		conn.Release()
	}, nil
}
