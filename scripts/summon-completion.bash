# Bash completion for summon: its commands, each command's options, the
# services of the file the line names (else of $SUMMON_FILE, else of
# ./services.yaml, ./summon.yaml or ./Procfile), and for -p the running projects.
#
# Installed by `meson install` as share/bash-completion/completions/summon,
# where bash-completion finds it; or, by hand: source scripts/summon-completion.bash

# The services file a command line names: FILE (the first argument after
# the command, when it names a file or folder, ends in .yaml/.yml or is a
# Procfile*), the first -f or --file (the others are merged onto it), else $SUMMON_FILE, else ./services.yaml,
# ./summon.yaml or ./Procfile.
_summon_file() {
  local command=$1 file='' word i first=1
  shift
  local -a words=("$@")
  for ((i = 0; i < ${#words[@]}; i++)); do
    word=${words[i]}
    case $word in
      --file) [[ -n $file ]] || file=${words[i + 1]}; ((i++)) ;;
      -f) [[ $command == logs ]] || { [[ -n $file ]] || file=${words[i + 1]}; ((i++)); } ;;
      -p | --project | --format | --timeout | --log-dir | -n | --lines | --since | -o | --timeline | --profile) ((i++)) ;;
      --file=*) [[ -n $file ]] || file=${word#--file=} ;;
      --) break ;;
      -*) ;;
      *)
        if ((first)) && [[ -z $file ]] &&
          [[ -e $word || $word == *.yaml || $word == *.yml || ${word##*/} == Procfile* ]]; then
          file=$word
        fi
        first=0
        ;;
    esac
  done
  [[ -n $file ]] || file=${SUMMON_FILE-}
  if [[ -z $file ]]; then
    if [[ -f services.yaml ]]; then file=services.yaml; elif [[ -f summon.yaml ]]; then file=summon.yaml
    elif [[ -f Procfile ]]; then file=Procfile; fi
  fi
  if [[ -d $file ]]; then
    if [[ -f $file/services.yaml ]]; then file=$file/services.yaml
    elif [[ -f $file/summon.yaml || ! -f $file/Procfile ]]; then file=$file/summon.yaml
    else file=$file/Procfile; fi
  fi
  printf '%s\n' "$file"
}

# The keys right under `services:` of a YAML file (or the names of a
# Procfile's lines): a cheap reading, for a file summon cannot compile as it
# stands (an unset variable, say).
_summon_services_in_text() {
  awk '
    /^services:[[:space:]]*(#.*)?$/ { inside = 1; indent = -1; next }
    inside && /^[^[:space:]#]/ { inside = 0 }
    inside && match($0, /^[[:space:]]+[A-Za-z0-9][A-Za-z0-9_.-]*[[:space:]]*:/) {
      key = $0
      sub(/^[[:space:]]+/, "", key)
      width = length($0) - length(key)
      if (indent < 0) indent = width
      if (width == indent) { sub(/[[:space:]]*:.*/, "", key); print key }
      next
    }
    !inside && FILENAME ~ /Procfile[^\/]*$/ && match($0, /^[A-Za-z0-9][A-Za-z0-9_.-]*:/) {
      print substr($0, 1, RLENGTH - 1)
    }
  ' "$1" 2>/dev/null
}

# The services of `file`: as summon understands it (merged, included,
# extended), else as the text says.
_summon_services() {
  local summon=$1 file=$2 text
  [[ -n $file && -f $file ]] || return 0
  if text=$("$summon" config "$file" 2>/dev/null); then
    _summon_services_in_text <(printf '%s\n' "$text")
  else
    _summon_services_in_text "$file"
  fi
}

# The files and folders starting with `cur` that may be a services file:
# *.yaml, *.yml, Procfile*, and folders (which may hold one).
_summon_files() {
  local path
  while IFS= read -r path; do
    if [[ -d $path || $path == *.yaml || $path == *.yml || ${path##*/} == Procfile* ]]; then
      printf '%s\n' "$path"
    fi
  done < <(compgen -f -- "$1")
}

# The services of running project NAME, from `summon ps -p NAME --json`.
_summon_running_services() {
  "$1" ps -p "$2" --json 2>/dev/null | sed -n 's/^ *"name": *"\([^"]*\)".*/\1/p'
}

# This user's running projects, from `summon ls --json`: NAME for an up,
# NAME and NAME:PID for a run.
_summon_projects() {
  "$1" ls --json 2>/dev/null | awk '
    /"name":/ { name = $0; sub(/^[^:]*: *"/, "", name); sub(/".*/, "", name) }
    /"pid":/ { pid = $0; gsub(/[^0-9]/, "", pid) }
    /"run": *true/ { print name; print name ":" pid }
    /"run": *false/ { print name }
  ' | sort -u
}

_summon() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=
  ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  local summon=${COMP_WORDS[0]}
  local commands="check plan graph config up run ps logs stop start restart down attach ui timeline ls"
  COMPREPLY=()

  if ((COMP_CWORD == 1)); then
    mapfile -t COMPREPLY < <(compgen -W "$commands --help --version" -- "$cur")
    return 0
  fi
  local command=${COMP_WORDS[1]}
  local -a before=("${COMP_WORDS[@]:2:COMP_CWORD-2}")

  # After `run ... --`: the command to run, then its arguments.
  local i
  for ((i = 2; i < COMP_CWORD; i++)); do
    if [[ ${COMP_WORDS[i]} == -- ]]; then
      if ((i + 1 == COMP_CWORD)); then
        mapfile -t COMPREPLY < <(compgen -c -- "$cur" | sort -u)
      else
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      fi
      return 0
    fi
  done

  # The value of an option.
  case $prev in
    --file | -f)
      if [[ $prev == --file || $command != logs ]]; then
        mapfile -t COMPREPLY < <(_summon_files "$cur")
        compopt -o filenames 2>/dev/null
        return 0
      fi
      ;;
    -p | --project)
      mapfile -t COMPREPLY < <(compgen -W "$(_summon_projects "$summon")" -- "$cur")
      declare -F __ltrim_colon_completions >/dev/null && __ltrim_colon_completions "$cur"
      return 0
      ;;
    --format)
      [[ $command == graph ]] && mapfile -t COMPREPLY < <(compgen -W "dot mermaid" -- "$cur")
      [[ $command == timeline ]] && mapfile -t COMPREPLY < <(compgen -W "text svg json" -- "$cur")
      return 0
      ;;
    -o | --timeline)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      compopt -o filenames 2>/dev/null
      return 0
      ;;
    --log-dir)
      mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      return 0
      ;;
    --timeout | --since | -n | --lines | --log-max-size | --log-keep)
      return 0
      ;;
  esac

  local options="-h --help"
  local takes_services=1
  case $command in
    check | plan) options+=" -f --file --profile --no-override" ;;
    graph) options+=" -f --file --format --profile --no-override" ;;
    config) options+=" -f --file --show-secrets --origins --profile --no-override" ;;
    up) options+=" -f --file -d --detach --timeout --quiet --no-color --log-dir --log-max-size --log-keep --abort-on-exit --ui --timeline --profile --no-override" ;;
    run) options+=" -f --file --timeout --quiet --no-color --log-dir --log-max-size --log-keep --timeline --profile --no-override --" ;;
    ps) options+=" -f --file -p --project --json" ;;
    logs) options+=" --file -p --project -f --follow -n --lines --since -t --timestamps --no-color" ;;
    stop | start | restart) options+=" -f --file -p --project" ;;
    down) options+=" -f --file -p --project --timeout" ;;
    attach) options+=" -f --file -p --project --no-color" ;;
    ui) options+=" -f --file -p --project --no-color"; takes_services=2 ;;
    timeline) options+=" -f --file -p --project --format -o"; takes_services=2 ;;
    ls) options+=" --json"; takes_services=0 ;;
    *) return 0 ;;
  esac
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
    return 0
  fi
  ((takes_services)) || return 0

  # -p names a running project: its services, as it runs them.
  local project=
  for ((i = 0; i < ${#before[@]}; i++)); do
    case ${before[i]} in
      -p | --project) project=${before[i + 1]} ;;
      --project=*) project=${before[i]#--project=} ;;
    esac
  done
  local services
  if ((takes_services == 2)); then
    services=''  # the file alone
  elif [[ -n $project ]]; then
    services=$(_summon_running_services "$summon" "$project")
  else
    services=$(_summon_services "$summon" "$(_summon_file "$command" "${before[@]}")")
  fi
  mapfile -t COMPREPLY < <(compgen -W "$services" -- "$cur")

  # The first argument may be the file itself, unless -f or -p said it.
  local named=0 word
  [[ -n $project ]] && named=1
  for ((i = 0; i < ${#before[@]}; i++)); do
    word=${before[i]}
    case $word in
      --file | --file=*) named=1; [[ $word == --file ]] && ((i++)) ;;
      -p | --project | --format | --timeout | --log-dir | -n | --lines | --since | -o | --timeline | --profile) ((i++)) ;;
      -f) [[ $command == logs ]] || { named=1; ((i++)); } ;;
      -*) ;;
      *) named=1 ;;
    esac
  done
  if ((!named)); then
    mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(_summon_files "$cur")
    compopt -o filenames 2>/dev/null
  fi
  return 0
}

complete -F _summon summon
