#!/usr/bin/env bash
# Install a Debian package the project runs (never a binary downloaded by a tool) if it is missing:
#   scripts/setup_debian_package.sh <program path> <package> <what needs it>
set -euo pipefail
program="${1:?program path}" package="${2:?Debian package}" purpose="${3:?what needs it}"
if [ -x "$program" ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's $package for $purpose (apt-get)…"
  apt-get update -qq
  # The package's own service is not wanted: the project starts the program itself, on its own ports.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
else
  echo "Debian's $package is needed for $purpose: run 'sudo apt-get update && sudo apt-get install $package'." >&2
  exit 1
fi
