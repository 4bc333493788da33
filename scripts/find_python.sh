#!/usr/bin/env bash
# Print the path of a Python interpreter of the wanted minor version (e.g. 3.10), or explain what to install.
# Order: pythonX.Y on PATH (only if it really answers), then pyenv's versions, then the usual system places.
set -euo pipefail
want="${1:?usage: find_python.sh 3.10}"

answers() {  # $1 runs and reports the wanted version
  [ -x "$1" ] || command -v "$1" >/dev/null 2>&1 || return 1
  local got
  got=$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || return 1
  [ "$got" = "$want" ]
}

candidates=("python$want")
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null || true)
  if [ -n "$root" ]; then
    for p in $(ls -d "$root"/versions/"$want".*/bin/python"$want" 2>/dev/null | sort -V -r); do candidates+=("$p"); done
  fi
fi
for p in "$HOME"/.pyenv/versions/"$want".*/bin/python"$want" /usr/local/bin/python"$want" /usr/bin/python"$want"; do
  candidates+=("$p")
done

for c in "${candidates[@]}"; do
  if answers "$c"; then
    command -v "$c" 2>/dev/null || echo "$c"
    exit 0
  fi
done

cat >&2 <<MSG
No Python $want found (looked on PATH, in pyenv's versions and in /usr/bin, /usr/local/bin).
The project needs Python $want (3.10 for the Rasa server, 3.11 for the services). Install it, for example:
  pyenv install $want          (then run make again)
  or: apt-get install python$want python$want-venv   (where your distribution ships it)
MSG
exit 1
