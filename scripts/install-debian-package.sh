#!/usr/bin/env sh
# Make sure COMMAND is on PATH, installing Debian's PACKAGE when it is not:
#   scripts/install-debian-package.sh redis-server redis-server   (the REDIS_URL tests start their own)
#   scripts/install-debian-package.sh chromium chromium           (the browser tests drive it headless)
# Idempotent: does nothing when the command is there; installs through sudo only when not root.
set -eu

COMMAND=$1
PACKAGE=$2

if command -v "$COMMAND" >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "install-debian-package: $COMMAND missing, and neither root nor sudo to install $PACKAGE" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$PACKAGE" >/dev/null
command -v "$COMMAND" >/dev/null 2>&1 || { echo "install-debian-package: $COMMAND still not on PATH" >&2; exit 1; }
