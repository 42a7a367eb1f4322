#!/usr/bin/env bash
# Fails when a tracked C++ file differs from .clang-format (clang-format-14, the version Debian 12
# ships). `make format` rewrites the same file list in place. Fuzz seed corpora are data, not code.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
CLANG_FORMAT="${CLANG_FORMAT:-clang-format-14}"
if ! command -v "$CLANG_FORMAT" >/dev/null 2>&1; then
  echo "check_format: $CLANG_FORMAT not found (scripts/install_deps.sh installs it)" >&2
  exit 1
fi
mode="${1:---check}"
mapfile -t files < <(git ls-files -- '*.cpp' '*.hpp' '*.h' ':!:fuzz/seeds/**')
if [ "$mode" = "--fix" ]; then
  "$CLANG_FORMAT" -i "${files[@]}"
  exit 0
fi
# One run over every file; each finding starts with "path:line:col: error:".
mapfile -t bad < <("$CLANG_FORMAT" --dry-run -Werror "${files[@]}" 2>&1 \
  | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error:.*/\1/p' | sort -u)
if [ ${#bad[@]} -gt 0 ]; then
  echo "check_format: ${#bad[@]} of ${#files[@]} files differ from .clang-format (run \`make format\`):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "check_format: ${#files[@]} files formatted"
