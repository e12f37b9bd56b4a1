#!/bin/sh
# ESP8266 Lab workshop: start the lab's server from this folder and open the browser.
# Uses Node.js 18 or newer if installed, else Python 3.8 or newer. Options are passed on to the
# server (try: ./start.sh --lan, ./start.sh --port 8267, ./start.sh --help).

cd "$(dirname "$0")" || exit 1

pause() {
  # keep a double-clicked window open so its message can be read
  printf '\nPress Enter to close this window. '
  read -r _ || true
}

if [ ! -f serve.mjs ] || [ ! -d site ]; then
  echo "The workshop folder is incomplete: serve.mjs or site/ is missing here ($(pwd))."
  echo "Unzip the whole esp8266-lab-workshop.zip first, then start start.sh from the unzipped folder."
  pause
  exit 1
fi

if command -v node >/dev/null 2>&1 &&
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' >/dev/null 2>&1; then
  node serve.mjs --open "$@" || pause
  exit 0
fi

for py in python3 python; do
  if command -v "$py" >/dev/null 2>&1 &&
    "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)' >/dev/null 2>&1; then
    "$py" serve.py --open "$@" || pause
    exit 0
  fi
done

echo "Neither Node.js (version 18 or newer) nor Python (version 3.8 or newer) was found."
echo "Install one of them, then start this again:"
echo "  Node.js: https://nodejs.org (the LTS version)"
echo "  Python:  https://www.python.org/downloads/"
pause
exit 1
