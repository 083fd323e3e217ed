#!/bin/sh
# bench_start.sh: start latency of a compartment against bubblewrap, in one run.
#
#   AIRLOCK=build/airlockd/airlock sh tests/bench/bench_start.sh [RUNS]
#
# Times `airlock run offline|online -- /usr/bin/true` (full confinement: namespaces,
# tmpfs root, landlock, seccomp, limits, a pseudo-terminal) next to Debian's
# `bwrap --unshare-all` with the same read-only binds (no seccomp, landlock, limits or
# pty), with hyperfine, and prints the ratios. The issue's goal is airlock at no more than
# 0.6x bwrap's time; the last line says whether this run met it. It never fails on time:
# exit 1 only if a command under test fails.
set -eu
AIRLOCK=${AIRLOCK:-airlock}
RUNS=${1:-60}
for tool in hyperfine bwrap; do
    command -v "$tool" >/dev/null 2>&1 || { echo "bench_start: $tool not installed; skipped"; exit 77; }
done
ws=$(mktemp -d)
out=$(mktemp)
trap 'rm -rf "$ws" "$out"' EXIT

bwrap_cmd="bwrap --unshare-all --die-with-parent --ro-bind /usr /usr --symlink usr/bin /bin \
--symlink usr/lib /lib --symlink usr/lib64 /lib64 --symlink usr/sbin /sbin --proc /proc \
--dev /dev --tmpfs /tmp --bind $ws /workspace /usr/bin/true"

hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$out" \
    -n "airlock run offline" "$AIRLOCK run offline --workspace $ws -- /usr/bin/true" \
    -n "airlock run online" "$AIRLOCK run online -- /usr/bin/true" \
    -n "bwrap --unshare-all" "$bwrap_cmd" \
    -n "process floor (/usr/bin/true)" "/usr/bin/true" >/dev/null

python3 - "$out" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
bw = r["bwrap --unshare-all"]["median"]
print(f"{'command':34} {'median ms':>10} {'mean ms':>9} {'stddev':>7} {'x bwrap':>8}")
for name, x in r.items():
    print(f"{name:34} {x['median']*1e3:10.2f} {x['mean']*1e3:9.2f} {x['stddev']*1e3:7.2f} "
          f"{x['median']/bw:8.2f}")
worst = max(r["airlock run offline"]["median"], r["airlock run online"]["median"]) / bw
print(f"goal: airlock start at no more than 0.6x bwrap: {worst:.2f}x: "
      f"{'MET' if worst <= 0.6 else 'NOT MET'}")
PY
