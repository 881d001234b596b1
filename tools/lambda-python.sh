#!/bin/sh
# Print the path of a Python interpreter of version $1 (e.g. 3.13), the version the Lambda
# functions run on, installing it from Debian's packages if this machine has none.
# Looked for, in order: pythonX.Y on PATH, pyenv's installed versions, Debian's pythonX.Y
# package (Debian 13 ships 3.13; Debian 12 does not, its machines here have it from pyenv).
set -eu
version="$1"
found() {
    if "$1" -c 'import venv' >/dev/null 2>&1; then echo "$1"; exit 0; fi
}
if command -v "python$version" >/dev/null 2>&1; then found "$(command -v "python$version")"; fi
for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/"python$version"; do
    if [ -x "$candidate" ]; then found "$candidate"; fi
done
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    if apt-cache show "python$version-venv" >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python$version" \
            "python$version-venv" >/dev/null
        found "/usr/bin/python$version"
    fi
fi
echo "no Python $version here (PATH, pyenv, Debian packages): install it to run the" \
    "Lambda runtime check" >&2
exit 1
