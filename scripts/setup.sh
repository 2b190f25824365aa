#!/usr/bin/env bash
# Installs the Debian 12 packages the MEB engine needs to build, test and run.
# Idempotent: when every package is already installed it touches neither apt nor the network.
set -euo pipefail

packages=(
  cmake g++ make ninja-build pkg-config
  libeigen3-dev libboost-program-options-dev libyaml-cpp-dev
  catch2 libbenchmark-dev libsqlite3-dev
  python3 python3-pytest python3-pandas python3-numpy python3-yaml
  pybind11-dev python3-dev python3-matplotlib
  time
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all dependencies present"
  exit 0
fi

echo "setup: installing ${missing[*]}"

# Root runs apt-get directly (CI); otherwise go through sudo when it exists.
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "setup: not root and sudo is not available; install as root: ${missing[*]}" >&2
    exit 1
  fi
fi

"${as_root[@]}" apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends "${missing[@]}"
