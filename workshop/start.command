#!/bin/sh
# ESP8266 Lab workshop for macOS: double-click this file in Finder to start the lab's server and
# open the browser. (The first time, macOS may refuse a downloaded script: right-click it, choose
# Open, then Open again.) Uses Node.js 18 or newer if installed, else Python 3.8 or newer.

cd "$(dirname "$0")" || exit 1
# Finder starts this without the shell profile that may add Homebrew or nodejs.org's folders
if [ "$(uname -s 2>/dev/null)" = Darwin ]; then
  PATH="$PATH:/usr/local/bin:/opt/homebrew/bin"
  export PATH
fi

pause() {
  printf '\nPress Enter to close this window. '
  read -r _ || true
}

if [ ! -f serve.mjs ] || [ ! -d site ]; then
  echo "The workshop folder is incomplete: serve.mjs or site/ is missing here ($(pwd))."
  echo "Unzip the whole esp8266-lab-workshop.zip first (double-click it in Finder),"
  echo "then double-click start.command in the unzipped esp8266-lab-workshop folder."
  pause
  exit 1
fi

if command -v node >/dev/null 2>&1 &&
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' >/dev/null 2>&1; then
  node serve.mjs --open "$@" || pause
  exit 0
fi

for py in python3 python; do
  # /usr/bin/python3 on a Mac without the developer tools only offers to install them: the
  # version check fails there and we move on
  if command -v "$py" >/dev/null 2>&1 &&
    "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)' >/dev/null 2>&1; then
    "$py" serve.py --open "$@" || pause
    exit 0
  fi
done

echo "Neither Node.js (version 18 or newer) nor Python (version 3.8 or newer) was found."
echo "Install one of them, then double-click start.command again:"
echo "  Node.js: https://nodejs.org (the LTS version, macOS installer)"
echo "  Python:  https://www.python.org/downloads/"
pause
exit 1
