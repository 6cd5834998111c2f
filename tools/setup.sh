#!/usr/bin/env bash
# Installs what the build needs and is missing, configures and builds one CMake preset.
# Usage: tools/setup.sh [PRESET]   (default: default). Idempotent: a second run skips apt and pip.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-default}

# Debian packages, one per line; keep in step with README.md.
packages=(
  build-essential cmake ninja-build pkg-config git
  libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev libbenchmark-dev
  libfuse3-dev fuse3
  libpng-dev nlohmann-json3-dev
  gnuplot-nox chromium fonts-liberation
  python3 python3-venv python3-yaml
)
[ "$preset" = fuzz ] && packages+=(clang libclang-rt-14-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages and not root: ${missing[*]}" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# PyPI packages in a venv under build/ (the real TensorBoard reader and the real writers under test:
# tensorboardX, TensorBoard's EventFileWriter, TensorFlow), pinned in tools/requirements.txt. The
# venv is made again only when the pins change (the marker holds their checksum). Without PyPI the
# venv stays incomplete and the tests that need it skip with a counted message.
venv=build/venv
requirements=tools/requirements.txt
pins=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ "$(cat "$venv/.complete" 2>/dev/null)" != "$pins" ]; then
  mkdir -p build
  python3 -m venv "$venv" >/dev/null
  echo "setup: installing the pinned PyPI packages of $requirements into $venv (about a minute)"
  if "$venv/bin/pip" install -q --disable-pip-version-check --timeout 30 -r "$requirements"; then
    echo "$pins" >"$venv/.complete"
  else
    echo "setup: PyPI unreachable or an install failed: $venv is incomplete; the tests that need" \
      "tensorboard, tensorboardX or tensorflow will skip (run tools/setup.sh again with network)" >&2
  fi
fi

jobs=$(nproc)
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$jobs"
