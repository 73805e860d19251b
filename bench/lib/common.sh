# common.sh — sourced by bench/smtp/compare.sh and bench/pop3/compare.sh after they set
# HERE=<their folder>: the shared defaults (BUZON_ROOT, HARNESS, the noise settings, RESULTS and
# its .env.txt), the harness's servers.sh (log, setup_all, start_*, stop_server, pid_of, $RUN,
# $PASS), and helpers for the port check and the environment record.
BUZON_ROOT=${BUZON_ROOT:-$(cd "$HERE/../.." && pwd)}
HARNESS=${HARNESS:-$(cd "$BUZON_ROOT/../shared/bench" && pwd)}
QUIET_BUSY=${QUIET_BUSY:-15}; QUIET_WAIT=${QUIET_WAIT:-20}; OTHER_MAX=${OTHER_MAX:-45}; RETRIES=${RETRIES:-2}
TS=$(date +%Y%m%d-%H%M%S)
RESULTS=${RESULTS:-$HERE/results/compare-$TS.jsonl}
mkdir -p "$(dirname "$RESULTS")"
ENVF=${RESULTS%.jsonl}.env.txt

unset OUT   # servers.sh writes its start-timer lines to $OUT (default $RUN/results.jsonl), not to ours
source "$HARNESS/servers.sh"

# check_ports PORT...: exit 1 if any of them is already listening (a leftover harness server)
check_ports() {
  local p
  for p in "$@"; do
    if ss -ltn "sport = :$p" | grep -q LISTEN; then
      echo "port $p already in use; stop that server first ($HARNESS/servers.sh stop)" >&2; exit 1
    fi
  done
}

# env_machine: the date / cpu / memory lines of the .env.txt record
env_machine() {
  echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)   host: $(uname -r) $(uname -m)"
  echo "cpu:      $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
  echo "memory:   $(free -g | awk '/Mem:/{print $2}') GiB   disk: $(df -h /tmp | awk 'NR==2{print $1" "$2}') ($(findmnt -no FSTYPE -T /tmp), fsync on)"
}

# buzon_version: the short commit of BUZON_ROOT, or "snapshot <.bench-commit>" for an exported tree
buzon_version() {
  git -C "$BUZON_ROOT" rev-parse --short HEAD 2>/dev/null || echo "snapshot $(cat "$BUZON_ROOT/.bench-commit" 2>/dev/null)"
}
