#!/usr/bin/env sh
# Make sure redis-server is on PATH for the test suite (REDIS_URL tests start their own).
# Idempotent: does nothing when it is already there; otherwise installs Debian's package,
# through sudo only when not root.
set -eu

if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "install-redis: redis-server missing, and neither root nor sudo to install it" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
command -v redis-server >/dev/null 2>&1 || { echo "install-redis: redis-server still not on PATH" >&2; exit 1; }
