#!/usr/bin/env bash
# compare-stores.sh measures appends per second and fan-out latency of
# `parley serve` over three stores, one after the other in one run, and
# prints a Markdown table comparing them:
#
#   sqlite    one process over a SQLite file
#   pg-1      one process over PostgreSQL, in a fresh schema
#   pg-2      two processes sharing one --dir and one fresh schema; the load
#             spreads writers and subscribers over both and posts the
#             fan-out's events to the first, so half of the subscribers
#             receive events appended through the other process
#
# Usage: cmd/parley-load/compare-stores.sh [OUTDIR]
#
# It builds parley and parley-load into a temporary directory, runs each
# server on a free port of 127.0.0.1 with its per-address limits off
# (--read-rate -1 --write-rate -1 --sign-in-rate -1 --streams-per-addr -1
# --anon-streams-per-addr -1, since every request comes from this one
# address) and --log-level warn, and loads it with
#
#   parley-load -server URL[,URL2] -phases writes,fanout $LOAD_ARGS -json FILE
#
# The sizes are the same for every store; set LOAD_ARGS to change them
# (default below); with "-viewers public,parties" in them, the table has a
# fan-out row for each kind of viewer. PARLEY_BENCH_POSTGRES names the PostgreSQL database
# (default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable); it
# must be on a loopback address, and psql must be installed. The schemas
# are named parley_bench_<pid>_<store> and dropped at the end. With OUTDIR,
# each store's Markdown report, JSON figures and server logs are copied
# there. Every step is bounded in time; the processes, the temporary
# directory and the schemas are cleaned up on exit, however it comes.
set -euo pipefail

LOAD_ARGS=${LOAD_ARGS:-"-parties 200 -items 200 -duration 10s -subscribers 1000 -events 100"}
PGURL=${PARLEY_BENCH_POSTGRES:-"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"}
OUTDIR=${1:-}
HOST=parley-bench.localhost

case "$PGURL" in
postgres://*@127.0.0.1[:/]* | postgres://*@localhost[:/]* | postgres://*@\[::1\][:/]* | \
	postgresql://*@127.0.0.1[:/]* | postgresql://*@localhost[:/]* | postgresql://*@\[::1\][:/]*) ;;
*)
	echo "compare-stores: PARLEY_BENCH_POSTGRES must name a database on 127.0.0.1, [::1] or localhost" >&2
	exit 2
	;;
esac
command -v psql >/dev/null || {
	echo "compare-stores: psql is needed to make and drop the schemas" >&2
	exit 2
}
command -v jq >/dev/null || {
	echo "compare-stores: jq is needed to read the figures" >&2
	exit 2
}
command -v curl >/dev/null || {
	echo "compare-stores: curl is needed to wait for the servers" >&2
	exit 2
}
if [ -n "$OUTDIR" ]; then
	mkdir -p "$OUTDIR"
fi

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/parley-compare-XXXXXX")
PIDS=()
SCHEMAS=()
export PGCONNECT_TIMEOUT=10 PGOPTIONS="-c client_min_messages=warning"

# psql_do runs one statement on the bench database, in at most 30 s.
psql_do() {
	timeout 30 psql "$PGURL" -X -q -v ON_ERROR_STOP=1 -c "$1" >/dev/null
}

# stop_servers ends the servers this script started, and waits for them.
stop_servers() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		# A server that does not stop within 10 s is killed.
		for _ in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	PIDS=()
}

cleanup() {
	local s
	stop_servers
	for s in "${SCHEMAS[@]}"; do
		psql_do "DROP SCHEMA IF EXISTS $s CASCADE" || echo "compare-stores: could not drop the schema $s" >&2
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port prints a TCP port of 127.0.0.1 that nothing listens on.
free_port() {
	local port
	for _ in $(seq 200); do
		port=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return 0
		fi
	done
	echo "compare-stores: found no free port" >&2
	return 1
}

# start_server NAME DIR DB starts a server and sets URL to its base URL
# once it answers GET /api/v1/info (within 30 s). It runs in this shell, not
# in a command substitution, so that PIDS keeps the server's id.
start_server() {
	local name=$1 dir=$2 db=$3 port pid
	port=$(free_port)
	URL=
	"$TMP/parley" serve --addr "127.0.0.1:$port" --dir "$dir" --db "$db" --host "$HOST" \
		--read-rate -1 --write-rate -1 --sign-in-rate -1 --streams-per-addr -1 --anon-streams-per-addr -1 \
		--log-level warn >"$TMP/$name.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	for _ in $(seq 300); do
		if curl -fsS --max-time 2 "http://127.0.0.1:$port/api/v1/info" >/dev/null 2>&1; then
			URL="http://127.0.0.1:$port"
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	echo "compare-stores: the server $name did not start; its log:" >&2
	cat "$TMP/$name.log" >&2
	return 1
}

# load NAME URLS runs parley-load against the servers; a run with failures
# still counts (they are in the figures), a run with no figures does not.
load() {
	local name=$1 urls=$2 rc=0
	echo "compare-stores: $name: parley-load -server $urls -phases writes,fanout $LOAD_ARGS" >&2
	# shellcheck disable=SC2086 # LOAD_ARGS is a list of flags
	timeout 600 "$TMP/parley-load" -server "$urls" -phases writes,fanout $LOAD_ARGS -timeout 9m \
		-json "$TMP/$name.json" >"$TMP/$name.md" 2>"$TMP/$name.err" || rc=$?
	if [ ! -s "$TMP/$name.json" ]; then
		echo "compare-stores: $name: parley-load failed (status $rc):" >&2
		tail -n 20 "$TMP/$name.err" >&2
		return 1
	fi
	if [ "$rc" -ne 0 ]; then
		echo "compare-stores: $name: the run had failures (status $rc); see the table" >&2
	fi
	if [ -n "$OUTDIR" ]; then
		cp "$TMP/$name.md" "$TMP/$name.json" "$OUTDIR/"
		cp "$TMP"/"$name"*.log "$OUTDIR/" 2>/dev/null || true
	fi
}

# schema_url NAME makes a fresh schema and sets DB to the URL that keeps
# the store's tables in it (the first schema of search_path that exists).
schema_url() {
	local s="parley_bench_$$_$1"
	SCHEMAS+=("$s")
	psql_do "DROP SCHEMA IF EXISTS $s CASCADE; CREATE SCHEMA $s"
	case "$PGURL" in
	*\?*) DB="$PGURL&search_path=$s" ;;
	*) DB="$PGURL?search_path=$s" ;;
	esac
}

echo "compare-stores: building parley and parley-load" >&2
(cd "$ROOT" && timeout 300 go build -o "$TMP/parley" ./cmd/parley && timeout 300 go build -o "$TMP/parley-load" ./cmd/parley-load)
psql_do "SELECT 1"

# (a) SQLite, one process.
mkdir -p "$TMP/sqlite"
start_server sqlite "$TMP/sqlite" "$TMP/sqlite/parley.db"
load sqlite "$URL"
stop_servers

# (b) PostgreSQL, one process, in a fresh schema.
mkdir -p "$TMP/pg-1"
schema_url pg1
start_server pg-1 "$TMP/pg-1" "$DB"
load pg-1 "$URL"
stop_servers

# (c) PostgreSQL, two processes sharing one --dir and one fresh schema.
# The first creates the log keys and the session secret before the second
# starts, so that both read the same.
mkdir -p "$TMP/pg-2"
schema_url pg2
start_server pg-2a "$TMP/pg-2" "$DB"
url1=$URL
start_server pg-2b "$TMP/pg-2" "$DB"
load pg-2 "$url1,$URL"
stop_servers

# The table, one row per store and fan-out run (one per kind of viewer).
# "2nd process" is, for the writes, what the writers posting to the second
# server achieved (within the total) and, for the fan-out, the delay of the
# subscribers of the second server, which receive the events posted to the
# first.
sqlite_rate=$(jq -r '.writes_per_sec // 0' "$TMP/sqlite.json")
echo
echo "| store | processes | subscribers | writes/s | of SQLite | write p50 | write p99 | writes/s via 2nd process | fan-out p50 | fan-out p99 | fan-out p50, 2nd process | fan-out p99, 2nd process | missed | violations | dropped | failed writes |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for name in sqlite pg-1 pg-2; do
	jq -r --arg name "$name" --argjson base "$sqlite_rate" '
		def f1: . * 10 | round / 10;
		def ms: if . == null then "—" else (f1 | tostring) + " ms" end;
		. as $run
		| ($run.fanouts // [{viewers: "public", p50_ms: $run.fanout_p50_ms, p99_ms: $run.fanout_p99_ms,
		    missed: $run.fanout_missed, violations: 0, dropped: $run.fanout_dropped, by_server: $run.fanout_by_server}])[]
		| . as $f
		| ($f.by_server // [] | map(select(.events_posted_here | not)) | .[0]) as $other
		| [ (if $name == "sqlite" then "SQLite" else "PostgreSQL" end),
		    (if $name == "pg-2" then "2" else "1" end),
		    (if $f.viewers == "parties" then "signed in, one actor each" else "the public" end),
		    ($run.writes_per_sec | round | tostring),
		    (if $base > 0 then (($run.writes_per_sec / $base * 100 | round | tostring) + "%") else "—" end),
		    ($run.write_p50_ms | ms), ($run.write_p99_ms | ms),
		    ($run.writes_by_server // [] | .[1].writes_per_sec | if . == null then "—" else round | tostring end),
		    ($f.p50_ms | ms), ($f.p99_ms | ms),
		    ($other.p50_ms | ms), ($other.p99_ms | ms),
		    ($f.missed | tostring), ($f.violations | tostring), ($f.dropped | tostring), ($run.write_failed | tostring) ]
		| "| " + join(" | ") + " |"' "$TMP/$name.json"
done
