#!/usr/bin/env bash
# Build the offline bundle: dist/zhizao/ (one folder) and dist/zhizao-<version>-<os>-<arch>.tar.gz,
# print its size and biggest parts, then run its self-test with no network (packaging/smoke.py).
#
#   bash packaging/build.sh            # what `make package` runs
#   ZHIZAO_SMOKE=0 bash packaging/build.sh   # build and archive only
#   PYTHON=/path/to/python bash packaging/build.sh
#   ZHIZAO_DIST=/tmp/out ZHIZAO_WORK=/tmp/work bash packaging/build.sh   # elsewhere than dist/, build/
#
# Needs PyInstaller and the postgres extra in that Python: pip install -e '.[package,postgres]'.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}
DIST=${ZHIZAO_DIST:-dist}
WORK=${ZHIZAO_WORK:-build/pyinstaller}
"$PYTHON" -c 'import PyInstaller' 2>/dev/null || {
  echo "PyInstaller is missing: $PYTHON -m pip install -e '.[package,postgres]'" >&2; exit 1; }

start=$(date +%s)
# --clean: no stale analysis from an earlier checkout; the work folder stays out of dist/.
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$WORK" packaging/zhizao.spec
built=$(date +%s)

version=$("$PYTHON" -c 'import app; print(app.__version__)')
os_name=$(uname -s | tr '[:upper:]' '[:lower:]')
arch=$(uname -m)
archive="$DIST/zhizao-${version}-${os_name}-${arch}.tar.gz"
# Fixed archive metadata (sorted names, owner, mtime from the last commit, no gzip timestamp):
# equal folders give byte-identical archives.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@${epoch}" -C "$DIST" -cf - zhizao \
  | gzip -n -6 > "$archive"

echo
echo "PACKAGE build time: $((built - start)) s"
echo "PACKAGE bundle: $DIST/zhizao $(du -sm "$DIST/zhizao" | cut -f1) MB unpacked (du -sm; goal <= 250 MB)," \
     "archive $archive $(du -sm "$archive" | cut -f1) MB"
echo "PACKAGE biggest parts (MB):"
"$PYTHON" packaging/bundle_size.py "$DIST/zhizao" | sed 's/^/  /'

if [ "${ZHIZAO_SMOKE:-1}" != "0" ]; then
  "$PYTHON" packaging/smoke.py "$DIST/zhizao"
fi
