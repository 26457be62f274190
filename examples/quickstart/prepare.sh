#!/bin/sh
# prepare.sh USER DIR...: makes PostgreSQL data folders that USER can use.
# PostgreSQL refuses to run as root, so when summon runs as root the server runs
# as USER (the service's `user:`): the folders are given to USER, who must also
# be able to reach them, since the server changes into their absolute path.
set -eu
user=$1
shift
me=$(id -un)
if [ "$(id -u)" != 0 ] && [ "$user" != "$me" ]; then
  echo "prepare: summon runs as $me, not root, so PostgreSQL must run as $me too:" \
    "set PG_USER=$me (PG_USER=\$(id -un))" >&2
  exit 1
fi
for dir in "$@"; do
  mkdir -p "$dir"
  # The server wants its folder closed to others (0700 or 0750).
  chmod 0700 "$dir"
  [ "$user" = "$me" ] && continue
  chown -R "$user:" "$dir"
  # By its absolute path: a relative one would start from our own folder,
  # skipping the folders above it.
  path=$(realpath "$dir")
  if ! runuser -u "$user" -- test -w "$path"; then
    echo "prepare: user $user cannot reach $path: a folder above it is" \
      "closed to $user. Set PG_DATA to a folder $user can reach," \
      "e.g. PG_DATA=/var/tmp/summon-$(basename "$PWD")" >&2
    exit 1
  fi
done
