#!/usr/bin/env bash
# Run as pid 1 of a new pid namespace (unshare --pid --fork --mount-proc):
# summon up FIXTURE; once its one-shot has completed, an unrelated process
# (setsid sleep) is given the one-shot's old pid through ns_last_pid; summon
# is SIGKILLed; its guardian does its work. Prints "survived" if the
# unrelated process is still alive afterwards, "killed" if not, or why the
# trial could not be made.
set -u
summon=$1 fixture=$2 record=$3 out=$4
. "$(dirname "$0")/trial_common.sh"

# Ready once web is, which waits for the one-shot's completion.
start_summon_up "$summon" "$fixture" "$out"
oneshot=$(awk '$1 == "oneshot" && $2 == "start" { print $3 }' "$record")
[ -n "$oneshot" ] || { echo "no one-shot pid"; exit 1; }
find_guardian

# The unrelated process says when it leads its own group (after setsid),
# so that the kill below cannot come before it exists as a group.
said=$(dirname "$out")/unrelated.up
mkfifo "$said"
echo $((oneshot - 1)) >/proc/sys/kernel/ns_last_pid
setsid sh -c 'echo up >"$0"; exec sleep 1000' "$said" &
unrelated=$!
read -r _ <"$said"
[ "$unrelated" = "$oneshot" ] || { echo "pid not reused ($unrelated, not $oneshot)"; kill "$unrelated"; exit 1; }

kill_summon_and_wait_for_guardian
if kill -0 "$unrelated" 2>/dev/null; then echo survived; else echo killed; fi
kill "$unrelated" 2>/dev/null
# What the trial started is gone with this namespace's pid 1.
exit 0
