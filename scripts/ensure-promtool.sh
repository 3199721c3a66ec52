#!/usr/bin/env bash
# Makes sure `promtool` (Prometheus' own linter and parser) is on PATH, for the exposition tests
# in test/metrics/exposition/promtool.test.ts. Idempotent: does nothing when promtool is there.
# Otherwise installs the Debian package `prometheus` (which ships promtool), running
# `apt-get update` only if the first install attempt fails (e.g. empty package lists).
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then
  exit 0
fi

fail() {
  echo "ensure-promtool: $*" >&2
  echo "ensure-promtool: install the Debian package 'prometheus' (apt-get install prometheus) or put promtool on PATH." >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "promtool is not on PATH and apt-get is not available to install it"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || fail "promtool is not on PATH and installing it needs root (no sudo found)"
  SUDO="sudo -n"
fi

export DEBIAN_FRONTEND=noninteractive
install_prometheus() { $SUDO apt-get install -y --no-install-recommends prometheus; }

echo "ensure-promtool: promtool not found; installing the Debian package 'prometheus'" >&2
if ! install_prometheus >&2; then
  echo "ensure-promtool: install failed; running apt-get update and retrying" >&2
  $SUDO apt-get update >&2 || fail "apt-get update failed"
  install_prometheus >&2 || fail "apt-get install prometheus failed"
fi

command -v promtool >/dev/null 2>&1 || fail "the 'prometheus' package is installed but promtool is still not on PATH"
echo "ensure-promtool: $(promtool --version 2>&1 | head -n 1)" >&2
