#!/bin/bash
# compare.sh — POP3 on a 1,000-message maildrop: the shared harness's Dovecot (servers.sh) and
# Buzón, in the same session, reps interleaved (r0 dovecot, r0 buzon; odd reps dovecot first,
# even reps buzon first).
#
# Needs root and the Debian packages dovecot-core dovecot-imapd dovecot-pop3d (servers.sh also
# renders Postfix's config, so postfix must be installed; Postfix itself is not started).
# Uses the harness unchanged: servers.sh (runtime state in $RUN, default /tmp/mailbench, Dovecot
# stopped by PID at the end), imap-populate.js fills Dovecot's `pop` mailbox exactly as
# run-baseline.sh does (--fill-to 1000, 4 connections), and bench/pop3/run.mjs fills Buzón's
# pop@bench.test with the same corpus over SMTP, then runs pop3-bench.js against both.
#
#   bench/pop3/compare.sh                           REPS=5 MESSAGES=1000
#   RESULTS=/tmp/x.jsonl HARNESS=/path/to/shared/bench BUZON_ROOT=/path/to/buzon bench/pop3/compare.sh
#   EXTRA="--cpu-prof /tmp/prof" bench/pop3/compare.sh  # more run.mjs options
# Then: node bench/pop3/report.mjs RESULTS.jsonl --env RESULTS.env.txt
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# BUZON_ROOT, HARNESS, QUIET_BUSY/QUIET_WAIT/OTHER_MAX/RETRIES, RESULTS, ENVF; the harness's servers.sh
source "$HERE/../lib/common.sh"
REPS=${REPS:-5}
MESSAGES=${MESSAGES:-1000}
EXTRA=${EXTRA:-}

STARTED=""
cleanup() {
  case " $STARTED " in *" dovecot "*) log "stopping dovecot (pid $(pid_of dovecot))"; stop_server dovecot ;; esac
  STARTED=""
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

check_ports 12024 12110 12143

{
  env_machine
  echo "software: Dovecot $(dovecot --version | cut -d' ' -f1), Node $(node --version), Buzón $(buzon_version)"
  echo "reps:     r0 + $REPS interleaved   maildrop: $MESSAGES messages   loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$ENVF"
cat "$ENVF" >&2

rm -rf "$RUN/mail"
setup_all
STARTED="dovecot"
start_dovecot "startup|dovecot|-|compare-pop3" >/dev/null || { log "dovecot failed to start"; exit 1; }
DC=$(pid_of dovecot)
log "running: dovecot=$DC; results -> $RESULTS"

# Dovecot's maildrop: exactly run-baseline.sh's population step
timeout 300 node "$HARNESS/imap-populate.js" --host 127.0.0.1 --port 12143 --user pop --pass "$PASS" --fill-to "$MESSAGES" \
  --conns 4 --server-pids "$DC" --label "populate|dovecot|pop|-" --out "$RESULTS" >/dev/null \
  || { log "imap-populate failed"; exit 1; }

# Buzón: fresh data folder, same corpus over SMTP, then r0..rREPS of pop3-bench.js on both servers
# shellcheck disable=SC2086
timeout 5400 node "$BUZON_ROOT/bench/pop3/run.mjs" --harness "$HARNESS" --messages "$MESSAGES" --retr "$MESSAGES" --reps "$REPS" \
  --ref-port 12110 --ref-user pop --ref-pass "$PASS" --ref-pids "$DC" --ref-label dovecot --out "$RESULTS" \
  --quiet-busy "$QUIET_BUSY" --quiet-wait "$QUIET_WAIT" --other-max "$OTHER_MAX" --retries "$RETRIES" $EXTRA >/dev/null
RC=$?

cleanup
log "done (run.mjs exit $RC): $RESULTS"
node "$HERE/report.mjs" "$RESULTS" --env "$ENVF"
exit $RC
