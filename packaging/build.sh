#!/usr/bin/env bash
# Build the offline bundle: dist/zhizao/ (one folder) and dist/zhizao-<version>-<os>-<arch>.tar.xz,
# print its size and biggest parts, then run its self-test with no network (packaging/smoke.py).
#
#   bash packaging/build.sh            # what `make package` runs
#   ZHIZAO_SMOKE=0 bash packaging/build.sh   # build and archive only
#   PYTHON=/path/to/python bash packaging/build.sh
#   ZHIZAO_DIST=/tmp/out ZHIZAO_WORK=/tmp/work bash packaging/build.sh   # elsewhere than dist/, build/
#   ZHIZAO_XZ_PRESET=9 bash packaging/build.sh   # xz preset of the archive (default 6)
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
archive="$DIST/zhizao-${version}-${os_name}-${arch}.tar.xz"
# xz: every Linux unpacks it offline (xz-utils is part of the base system; `tar -xf` detects it), and it is
# a quarter smaller than gzip. Windows PCs get the Inno Setup installer instead (packaging/windows/).
# Fixed archive metadata (sorted names, owner, mtime from the last commit; xz stores no time and its
# block-mode output does not depend on the thread count): equal folders give byte-identical archives.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
rm -f "$DIST"/zhizao-*.tar.gz "$DIST"/zhizao-*.tar.xz
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@${epoch}" -C "$DIST" -cf - zhizao \
  | xz -T0 "-${ZHIZAO_XZ_PRESET:-6}" > "$archive"

echo
echo "PACKAGE build time: $((built - start)) s"
echo "PACKAGE bundle: $DIST/zhizao $(du -sm "$DIST/zhizao" | cut -f1) MB unpacked (du -sm; goal <= 180 MB)," \
     "archive $archive $(du -sm "$archive" | cut -f1) MB (goal <= 80 MB)"
echo "PACKAGE biggest parts (MB):"
"$PYTHON" packaging/bundle_size.py "$DIST/zhizao" --files 12 | sed 's/^/  /'

if [ "${ZHIZAO_SMOKE:-1}" != "0" ]; then
  "$PYTHON" packaging/smoke.py "$DIST/zhizao"
fi
