#!/usr/bin/env bash
# The Python module's pytest suite (tests/python), against the module built
# in build/, with Debian's Python (where python3-numpy and pytest are).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHONPATH="$PWD/build/src/python" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/python
# The README's install command, into a temporary user base: the module is
# found there by Python's own user-site rule, with nothing on PYTHONPATH.
user_base=$(mktemp -d)
trap 'rm -rf "$user_base"' EXIT
cmake --install build --component python --prefix "$user_base" >/dev/null
(cd /tmp && PYTHONUSERBASE="$user_base" /usr/bin/python3 -c \
  "import nightburst, site; assert nightburst.__file__.startswith(site.getusersitepackages()); print('test-python: installed', nightburst.__version__, 'into the user site and imported it')")
