#!/usr/bin/env bash
# The quick start: install what berth needs on a fresh machine, build, and run the demo. As root.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "quickstart: run as root (network namespaces, links)" >&2; exit 1; fi
bash scripts/setup.sh
npm run demo
