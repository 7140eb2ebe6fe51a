#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, when any is missing. Safe to run again.
set -euo pipefail
packages=(g++ cmake ccache libboost1.81-dev libsimdjson-dev libfmt-dev catch2 libcli11-dev libpq-dev libssl-dev
          postgresql-15 postgresql-client-15 clang-14 libclang-rt-14-dev zlib1g-dev chromium nginx-light
          python3-prometheus-client
          openssl)  # openssl: tls_e2e makes its certificates with the openssl command
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The browser suite (tests/e2e/web) runs on Node.js with npm; a Node.js from elsewhere (with its own npm) will do.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "deps: run as root or install sudo; missing: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
# nginx-light is for the multi-node test, which runs its own unprivileged nginx: keep the package from starting the
# system service (on port 80) while it installs.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  trap '$SUDO rm -f "$policy"' EXIT
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
