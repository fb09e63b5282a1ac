#!/usr/bin/env bash
# Print the path of a working Python 3.12 interpreter, or fail with a hint.
# Order: $PYTHON312 (explicit override), python3.12 on PATH (if it actually runs — pyenv shims
# may exist without an active version), pyenv's installed 3.12.x, common absolute locations.
set -euo pipefail

works() { [ -n "${1:-}" ] && "$1" -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1; }

if [ -n "${PYTHON312:-}" ] && works "$PYTHON312"; then echo "$PYTHON312"; exit 0; fi

if cand="$(command -v python3.12 2>/dev/null)" && works "$cand"; then
  # Resolve pyenv shims to the real interpreter so that venvs don't depend on the shim.
  "$cand" -c 'import sys; print(sys.executable)'; exit 0
fi

if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.12(\.[0-9]+)?$' | sort -t. -k3,3nr); do
    if cand="$(PYENV_VERSION="$v" pyenv which python3.12 2>/dev/null)" && works "$cand"; then
      echo "$cand"; exit 0
    fi
  done
fi

for cand in /usr/local/bin/python3.12 /usr/bin/python3.12 /opt/homebrew/bin/python3.12 \
            "$HOME"/.pyenv/versions/3.12*/bin/python3.12; do
  if works "$cand"; then echo "$cand"; exit 0; fi
done

if command -v python3 >/dev/null 2>&1 && works "$(command -v python3)"; then command -v python3; exit 0; fi

echo "find-python.sh: Python 3.12 not found (install it, or set PYTHON312=/path/to/python3.12)" >&2
exit 1
