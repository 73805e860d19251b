#!/bin/bash
# login-hash.sh — how much of POP3 login is the password hash: the harness's Dovecot (servers.sh)
# with the `pop` user's password stored as PLAIN (the harness's setting), SHA512-CRYPT and
# ARGON2ID (doveadm pw defaults), SESSIONS pop3-bench.js sessions each (--retr 1). Buzón stores
# scrypt hashes (N=16384, r=8), so its login is compared with the hashed rows, not with PLAIN.
#
#   bench/pop3/login-hash.sh                       SESSIONS=9 SCHEMES="PLAIN SHA512-CRYPT ARGON2ID"
# Needs root and dovecot; runtime state in $RUN (default /tmp/mailbench), Dovecot stopped by PID.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUZON_ROOT=${BUZON_ROOT:-$(cd "$HERE/../.." && pwd)}
HARNESS=${HARNESS:-$(cd "$BUZON_ROOT/../shared/bench" && pwd)}
SESSIONS=${SESSIONS:-9}
SCHEMES=${SCHEMES:-"PLAIN SHA512-CRYPT ARGON2ID"}
RESULTS=${RESULTS:-$HERE/results/login-hash-$(date +%Y%m%d-%H%M%S).jsonl}
mkdir -p "$(dirname "$RESULTS")"

unset OUT
source "$HARNESS/servers.sh"
STARTED=0
cleanup() { [ "$STARTED" = 1 ] && { log "stopping dovecot (pid $(pid_of dovecot))"; stop_server dovecot; }; STARTED=0; }
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM
for p in 12024 12110 12143; do
  if ss -ltn "sport = :$p" | grep -q LISTEN; then echo "port $p already in use" >&2; exit 1; fi
done

rm -rf "$RUN/mail"
setup_all
STARTED=1
start_dovecot "startup|dovecot|-|login-hash" >/dev/null || { log "dovecot failed to start"; exit 1; }
DC=$(pid_of dovecot)
timeout 300 node "$HARNESS/imap-populate.js" --host 127.0.0.1 --port 12143 --user pop --pass "$PASS" --fill-to 1000 \
  --conns 4 --server-pids "$DC" --label "populate|dovecot|pop|-" >/dev/null || { log "imap-populate failed"; exit 1; }

USERS=$RUN/dovecot/users
for scheme in $SCHEMES; do
  if [ "$scheme" = PLAIN ]; then hash="{PLAIN}$PASS"; else hash=$(doveadm pw -s "$scheme" -p "$PASS"); fi
  # passwd-file is re-read when its mtime changes; the line format is the one servers.sh writes
  sed -i "s#^pop:[^:]*:#pop:$hash:#" "$USERS"
  sleep 1.1
  for i in $(seq 0 "$SESSIONS"); do   # s0 = first login after the change, not in the median
    node "$HARNESS/pop3-bench.js" --host 127.0.0.1 --port 12110 --user pop --pass "$PASS" --retr 1 --server-pids "$DC" \
      --label "login-hash|dovecot|$scheme|s$i" --out "$RESULTS" >/dev/null 2>&1 || log "session failed ($scheme s$i)"
  done
done
cleanup
node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map(JSON.parse);
  const med = (v) => { v = v.slice().sort((a, b) => a - b); const m = v.length >> 1; return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2; };
  const by = {};
  for (const r of rows) { const [, , scheme, s] = r.label.split("|"); if (s === "s0") continue; (by[scheme] ||= []).push(r.ops.login.ms); }
  console.log("| Dovecot password scheme | sessions | login (USER + PASS) ms, median (min–max) |\n|---|---|---|");
  for (const [k, v] of Object.entries(by)) console.log(`| ${k} | ${v.length} | ${med(v).toFixed(1)} (${Math.min(...v).toFixed(1)}–${Math.max(...v).toFixed(1)}) |`);
' "$RESULTS"
