#!/bin/bash
# compare.sh — IMAP on a 10,000-message mailbox: the shared harness's Dovecot (servers.sh) and
# Buzón, in the same session, reps interleaved (r0 dovecot, r0 buzon; odd reps dovecot first,
# even reps buzon first; in each rep the single-client sessions, then the 20-client runs).
#
# Needs root and the Debian packages dovecot-core dovecot-imapd (servers.sh also renders
# Postfix's config, so postfix must be installed; Postfix itself is not started).
# Uses the harness's servers.sh unchanged, from a copy of the harness folder in /tmp (the shared
# folder stays read-only): Dovecot on 127.0.0.1:12143 with its runtime state in $RUN (default
# /tmp/mailbench-imap, so that other sessions' /tmp/mailbench is left alone), stopped by PID at
# the end. bench/imap/run.mjs then starts Buzón on a fresh data folder, fills *both* INBOXes
# (Dovecot's `bench`, Buzón's bench@bench.test) with the same corpus by IMAP APPEND, verifies
# them (same messages, same sizes, same SEARCH hits) and runs the scenarios against both.
#
#   bench/imap/compare.sh                              REPS=5 CONC_REPS=5 MESSAGES=10000
#   RESULTS=/tmp/x.jsonl HARNESS=/path/to/shared/bench BUZON_ROOT=/path/to/buzon bench/imap/compare.sh
#   EXTRA="--cpu-prof /tmp/prof" bench/imap/compare.sh  # more run.mjs options
# Results: bench/results/imap/compare-<time>.jsonl (+ .env.txt); then the table is printed with
#   node bench/imap/report.mjs RESULTS.jsonl --env RESULTS.env.txt
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# A private copy of the shared harness (servers.sh renders its conf/ from the folder it lives in).
HARNESS_SRC=${HARNESS:-$(cd "${BUZON_ROOT:-$ROOT}/../shared/bench" && pwd)}
HCOPY=$(mktemp -d /tmp/mailbench-harness-XXXXXX)
tar -C "$HARNESS_SRC" --exclude=node_modules --exclude=results -cf - . | tar -C "$HCOPY" -xf -
export HARNESS=$HCOPY
export RUN=${RUN:-/tmp/mailbench-imap}
RESULTS=${RESULTS:-$ROOT/bench/results/imap/compare-$(date +%Y%m%d-%H%M%S).jsonl}
# BUZON_ROOT, QUIET_BUSY/QUIET_WAIT/OTHER_MAX/RETRIES, RESULTS' .env.txt (ENVF); the harness's servers.sh
source "$HERE/../lib/common.sh"
REPS=${REPS:-5}
CONC_REPS=${CONC_REPS:-$REPS}
MESSAGES=${MESSAGES:-10000}
CLIENTS=${CLIENTS:-20}
ITERATIONS=${ITERATIONS:-25}
EXTRA=${EXTRA:-}

STARTED=""
cleanup() {
  case " $STARTED " in *" dovecot "*) log "stopping dovecot (pid $(pid_of dovecot))"; stop_server dovecot ;; esac
  STARTED=""
  rm -rf "$HCOPY"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

check_ports 12024 12110 12143

{
  env_machine
  echo "software: Dovecot $(dovecot --version | cut -d' ' -f1), Node $(node --version), Buzón $(buzon_version) (+ $(git -C "$BUZON_ROOT" status --porcelain -- src-main 2>/dev/null | wc -l) changed/new files under src-main)"
  echo "reps:     r0 + $REPS single-client sessions, r0 + $CONC_REPS runs of $CLIENTS clients x $ITERATIONS sessions, interleaved   mailbox: $MESSAGES messages   loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$ENVF"
cat "$ENVF" >&2

rm -rf "$RUN/mail"
setup_all
STARTED="dovecot"
start_dovecot "startup|dovecot|-|compare-imap" >/dev/null || { log "dovecot failed to start"; exit 1; }
DC=$(pid_of dovecot)
log "running: dovecot=$DC (RUN=$RUN); results -> $RESULTS"

# Buzón: fresh data folder; both INBOXes filled with the same corpus by APPEND, verified, then measured
# shellcheck disable=SC2086
timeout 7200 node "$BUZON_ROOT/bench/imap/run.mjs" --messages "$MESSAGES" --reps "$REPS" --conc-reps "$CONC_REPS" \
  --clients "$CLIENTS" --iterations "$ITERATIONS" \
  --ref-port 12143 --ref-user bench --ref-pass "$PASS" --ref-pids "$DC" --ref-label dovecot --out "$RESULTS" \
  --quiet-busy "$QUIET_BUSY" --quiet-wait "$QUIET_WAIT" --other-max "$OTHER_MAX" --retries "$RETRIES" $EXTRA >/dev/null
RC=$?

cleanup
log "done (run.mjs exit $RC): $RESULTS"
node "$HERE/report.mjs" "$RESULTS" --env "$ENVF"
exit $RC
