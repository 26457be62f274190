# Sourced by the trials in this folder: summon up in the background, its
# guardian, and waiting for the guardian's end.

# summon up FIXTURE with its output in OUT; sets summon_pid once it is ready.
start_summon_up() {
  local summon=$1 fixture=$2 out=$3
  "$summon" up "$fixture" >"$out" 2>&1 &
  summon_pid=$!
  timeout 20 grep -q -m1 'ready: ' <(tail -F "$out" 2>/dev/null) || { echo "not ready"; exit 1; }
}

# Sets guardian: summon's child that runs summon's own program.
find_guardian() {
  guardian=
  local child
  for child in $(cat /proc/"$summon_pid"/task/*/children); do
    [ "$(readlink /proc/"$child"/exe)" = "$(readlink /proc/"$summon_pid"/exe)" ] && guardian=$child
  done
  [ -n "$guardian" ] || { echo "no guardian"; exit 1; }
}

# SIGKILLs summon, then waits until its guardian has done its work and ended.
kill_summon_and_wait_for_guardian() {
  kill -KILL "$summon_pid"
  wait "$summon_pid" 2>/dev/null
  python3 -c 'import os, select, sys; select.select([os.pidfd_open(int(sys.argv[1]))], [], [])' \
    "$guardian" 2>/dev/null
}
