#!/usr/bin/env bash
# As root: summon up FIXTURE; `nobody` reads nothing of it but the run's id
# (given here, as a leak would), starts a set-user-ID program (passwd, which
# waits on its input) with that id forged into its environment, and summon is
# SIGKILLed. Prints "survived" if the guardian left passwd alone, "killed" if
# not, or why the trial could not be made.
set -u
summon=$1 fixture=$2 record=$3 out=$4
. "$(dirname "$0")/trial_common.sh"

start_summon_up "$summon" "$fixture" "$out"
service=$(awk '$2 == "start" { print $3; exit }' "$record")
id=$(tr '\0' '\n' </proc/"$service"/environ | sed -n 's/^SUMMON_RUN=//p')
[ -n "$id" ] || { echo "no run id"; exit 1; }
find_guardian

fifo=$(dirname "$out")/passwd.in
mkfifo "$fifo"
setpriv --reuid=nobody --regid=nogroup --clear-groups env SUMMON_RUN="$id" passwd <"$fifo" >/dev/null 2>&1 &
exec 3>"$fifo"  # passwd waits on its input from now on
victim=
for _ in $(seq 1000); do
  victim=$(pgrep -x passwd -u 0 -U nobody | head -1)
  [ -n "$victim" ] && tr '\0' '\n' </proc/"$victim"/environ 2>/dev/null | grep -qx "SUMMON_RUN=$id" && break
  victim=
done
[ -n "$victim" ] || { echo "no passwd"; exit 1; }

kill_summon_and_wait_for_guardian
if kill -0 "$victim" 2>/dev/null; then echo survived; else echo killed; fi
kill -KILL "$victim" 2>/dev/null
exit 0
