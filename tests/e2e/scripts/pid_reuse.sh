#!/usr/bin/env bash
# Run as pid 1 of a new pid namespace (unshare --pid --fork --mount-proc):
# summon up FIXTURE; once its one-shot has completed, an unrelated process
# (setsid sleep) is given the one-shot's old pid through ns_last_pid; summon
# is SIGKILLed; its guardian does its work. Prints "survived" if the
# unrelated process is still alive afterwards, "killed" if not, or why the
# trial could not be made.
set -u
summon=$1 fixture=$2 record=$3 out=$4

"$summon" up "$fixture" >"$out" 2>&1 &
summon_pid=$!
# The line comes once web is ready, which waits for the one-shot's completion.
timeout 20 grep -q -m1 'ready: ' <(tail -F "$out" 2>/dev/null) || { echo "not ready"; exit 1; }
oneshot=$(awk '$1 == "oneshot" && $2 == "start" { print $3 }' "$record")
[ -n "$oneshot" ] || { echo "no one-shot pid"; exit 1; }
guardian=
for child in $(cat /proc/"$summon_pid"/task/*/children); do
  [ "$(readlink /proc/"$child"/exe)" = "$(readlink /proc/"$summon_pid"/exe)" ] && guardian=$child
done
[ -n "$guardian" ] || { echo "no guardian"; exit 1; }

# The unrelated process says when it leads its own group (after setsid),
# so that the kill below cannot come before it exists as a group.
said=$(dirname "$out")/unrelated.up
mkfifo "$said"
echo $((oneshot - 1)) >/proc/sys/kernel/ns_last_pid
setsid sh -c 'echo up >"$0"; exec sleep 1000' "$said" &
unrelated=$!
read -r _ <"$said"
[ "$unrelated" = "$oneshot" ] || { echo "pid not reused ($unrelated, not $oneshot)"; kill "$unrelated"; exit 1; }

kill -KILL "$summon_pid"
wait "$summon_pid" 2>/dev/null
# Until the guardian has finished (it is this shell's child now).
python3 -c 'import os, select, sys; select.select([os.pidfd_open(int(sys.argv[1]))], [], [])' "$guardian" 2>/dev/null
if kill -0 "$unrelated" 2>/dev/null; then echo survived; else echo killed; fi
kill "$unrelated" 2>/dev/null
# What the trial started is gone with this namespace's pid 1.
exit 0
