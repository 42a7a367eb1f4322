#!/usr/bin/env bash
# Installs the Debian 12 packages AWET needs to build, test and run its embedded defaults.
# Idempotent: installs only what is missing. Run as root (or with sudo available).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache
  libgtest-dev libgmock-dev libbenchmark-dev
  libsqlite3-dev sqlite3 libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
  libeigen3-dev
  libtorch-dev libopenblas0-pthread libonnx-dev
  librdkafka-dev kcat libavro-dev libpqxx-dev libpq-dev postgresql-15 libhiredis-dev redis-server
  libcpp-httplib-dev libssl-dev libboost-dev prometheus-cpp-dev prometheus prometheus-alertmanager
  clang-14 libclang-rt-14-dev clang-format-14
)
# Node runs ONNX Runtime (the onnxruntime-node npm package, below) for the ONNX export test; a node
# already on PATH (e.g. a newer one) is kept.
if ! command -v node >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#PACKAGES[@]} packages present"
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "install_deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# ONNX Runtime is not packaged in Debian: the CPU runtime bundled in onnxruntime-node, at the
# version pinned by tools/onnx/package-lock.json. --ignore-scripts: its install script downloads
# GPU binaries and fails without them.
ONNX_TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools/onnx" && pwd)"
if [ ! -d "$ONNX_TOOLS/node_modules/onnxruntime-node" ]; then
  echo "install_deps: installing onnxruntime-node in tools/onnx"
  (cd "$ONNX_TOOLS" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
