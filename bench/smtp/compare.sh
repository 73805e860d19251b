#!/bin/bash
# compare.sh — the "SMTP accept → stored" scenarios on the shared harness's reference servers
# (Postfix 3.7 → Dovecot LMTP → Maildir) and on Buzón, in the same session, reps interleaved:
#
#   rep 1: c10 postfix, c10 buzon, c1 postfix, c1 buzon, c50 …   rep 2: buzon first, then postfix …
#
# Needs root and the Debian packages postfix dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd.
# Uses the harness unchanged: servers.sh (runtime state in $RUN, default /tmp/mailbench, servers
# stopped by PID), smtp-load.js with IMAP STATUS verify + Maildir file count for Postfix, and
# bench/smtp/run.mjs for Buzón. Postfix runs get the same noise handling as run-baseline.sh
# (quiet.js wait, noisy runs repeated and kept as rN-noisyK).
#
#   bench/smtp/compare.sh                        REPS=3 CONNS="10 1 50" SIZE=2048
#   RESULTS=/tmp/x.jsonl HARNESS=/path/to/shared/bench BUZON_ROOT=/path/to/buzon bench/smtp/compare.sh
# Then: node bench/smtp/report.mjs RESULTS.jsonl
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# BUZON_ROOT, HARNESS, QUIET_BUSY/QUIET_WAIT/OTHER_MAX/RETRIES, RESULTS, ENVF; the harness's servers.sh
source "$HERE/../lib/common.sh"
REPS=${REPS:-3}
CONNS=${CONNS:-"10 1 50"}
SIZE=${SIZE:-2048}

# same counts as run-baseline.sh's msgs_for()
msgs_for() { case "$1:$2" in 2048:1) echo 400 ;; 2048:10) echo 1500 ;; 2048:50) echo 2000 ;;
  102400:1) echo 200 ;; 102400:10) echo 600 ;; 102400:50) echo 800 ;; *) echo 500 ;; esac; }

STARTED=""
cleanup() {
  for s in postfix dovecot; do
    case " $STARTED " in *" $s "*) log "stopping $s (pid $(pid_of $s))"; stop_server $s ;; esac
  done
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

check_ports 12024 12025 12110 12143

{
  env_machine
  echo "software: Postfix $(postconf -dh mail_version), Dovecot $(dovecot --version | cut -d' ' -f1), Node $(node --version), Buzón $(buzon_version)"
  echo "reps:     $REPS interleaved   conns: $CONNS   size: $SIZE   loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$ENVF"
cat "$ENVF" >&2

rm -rf "$RUN/mail"
setup_all
for s in dovecot postfix; do
  STARTED="$STARTED $s"
  start_$s "startup|$s|-|compare" >/dev/null || { log "$s failed to start"; exit 1; }
done
DC=$(pid_of dovecot); PF=$(pid_of postfix)
log "running: dovecot=$DC postfix=$PF; results -> $RESULTS"
VERIFY="--verify imap --verify-host 127.0.0.1 --verify-port 12143 --verify-pass $PASS --reset --maildir $RUN/mail/%u/Maildir"

postfix_run() { # label conns messages
  local label=$1 c=$2 n=$3 try line other
  for try in $(seq 0 "$RETRIES"); do
    node "$HARNESS/quiet.js" --max-busy "$QUIET_BUSY" --max-wait "$QUIET_WAIT" --label "$label"
    line=$(timeout 900 node "$HARNESS/smtp-load.js" --host 127.0.0.1 --port 12025 --conns "$c" --messages "$n" --size "$SIZE" \
      --rcpts 'rcpt{01..10}@bench.test' $VERIFY --max-seconds 300 --server-pids "$PF,$DC" --label "$label" | tail -1)
    [ -n "$line" ] || { log "no result for $label"; return; }
    other=$(printf '%s' "$line" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const j=JSON.parse(s);console.log(Math.round((j.monitor&&j.monitor.otherCpuPct)||0))}catch(e){console.log(0)}})')
    line=$(printf '%s' "$line" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);j.noise={loadavgStart:process.argv[1].split(" ").map(Number),otherCpuPct:j.monitor&&j.monitor.otherCpuPct};console.log(JSON.stringify(j))})' "$(cut -d' ' -f1-3 /proc/loadavg)")
    if [ "$other" -le "$OTHER_MAX" ] || [ "$try" = "$RETRIES" ]; then echo "$line" >> "$RESULTS"; return; fi
    log "noisy run ($label): other CPU ${other}% of a core > ${OTHER_MAX}%, repeating"
    printf '%s\n' "$line" | sed "s/\"label\":\"[^\"]*\"/\"label\":\"$label-noisy$try\"/" >> "$RESULTS"
  done
}
buzon_run() { # rep conns messages
  timeout 1800 node "$BUZON_ROOT/bench/smtp/run.mjs" --harness "$HARNESS" --conns "$2" --messages "$3" --size "$SIZE" \
    --reps 1 --first-rep "$1" --out "$RESULTS" --quiet-busy "$QUIET_BUSY" --quiet-wait "$QUIET_WAIT" \
    --other-max "$OTHER_MAX" --retries "$RETRIES" >/dev/null
}

# warm-up (not measured): Postfix spawns smtpd/lmtp/cleanup processes on demand; Dovecot LMTP too
node "$HARNESS/smtp-load.js" --host 127.0.0.1 --port 12025 --conns 10 --messages 200 --size "$SIZE" \
  --rcpts 'rcpt{01..10}@bench.test' $VERIFY --max-seconds 120 --label "smtp-load|postfix|warmup|r0" >/dev/null

for rep in $(seq 1 "$REPS"); do
  for c in $CONNS; do
    n=$(msgs_for "$SIZE" "$c")
    if [ $((rep % 2)) = 1 ]; then order="postfix buzon"; else order="buzon postfix"; fi
    for s in $order; do
      log "rep $rep c$c: $s"
      if [ "$s" = postfix ]; then postfix_run "smtp-load|postfix|c$c-s$SIZE|r$rep" "$c" "$n"; else buzon_run "$rep" "$c" "$n"; fi
    done
  done
done

cleanup; STARTED=""
log "done: $RESULTS"
node "$HERE/report.mjs" "$RESULTS" --env "$ENVF"
