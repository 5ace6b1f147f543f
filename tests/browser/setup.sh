#!/usr/bin/env bash
# Makes the browser tests runnable: Debian's Chromium (never a downloaded browser build) and the pinned npm assets.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -x /usr/bin/chromium ]; then
    echo "browser tests: installing Debian's chromium"
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

# node_modules is stale when package-lock.json changed after the last install (npm writes its own copy of the lock).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    if ! command -v npm >/dev/null; then
        echo "browser tests: installing npm"
        if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
        export DEBIAN_FRONTEND=noninteractive
        $SUDO apt-get update -qq
        $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
    fi
    echo "browser tests: npm ci"
    npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
fi
