#!/usr/bin/env bash
# Vendor the front-end libraries used by the fangkong web UI into
# src/fangkong/static/vendor/ so that the app works fully offline.
#
# Every library is fetched from the npm registry with
#   npm pack <package>@<exact version>
# into a temporary directory, checked against the pinned sha512 integrity,
# and only the files the UI needs (plus licence files) are copied out.
# Nothing is installed: no node_modules/ and no package-lock.json are created
# in the repository.
#
# Usage:  scripts/vendor-assets.sh          (from anywhere inside the repo)
#
# To upgrade a library: change its *_VERSION and *_INTEGRITY below
# (integrity from `npm view <package>@<version> dist.integrity`), re-run,
# and run `pytest tests/test_vendor_assets.py`.
set -euo pipefail

# --- pinned versions -------------------------------------------------------
HTMX_PKG="htmx.org"
HTMX_VERSION="2.0.11"   # latest 2.x; htmx 4.x is a different major line, do not use
HTMX_INTEGRITY="sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="

ECHARTS_PKG="echarts"
ECHARTS_VERSION="6.1.0"
ECHARTS_INTEGRITY="sha512-q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA=="

LEAFLET_PKG="leaflet"
LEAFLET_VERSION="1.9.4"
LEAFLET_INTEGRITY="sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=="
# ---------------------------------------------------------------------------

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/.." && pwd)"
VENDOR_DIR="${REPO_ROOT}/src/fangkong/static/vendor"

command -v npm >/dev/null 2>&1 || { echo "error: npm not found in PATH" >&2; exit 1; }
command -v node >/dev/null 2>&1 || { echo "error: node not found in PATH" >&2; exit 1; }

WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/fangkong-vendor.XXXXXX")"
cleanup() { rm -rf "${WORK_DIR}"; }
trap cleanup EXIT

# fetch <package> <version> <integrity>
# Packs the package into $WORK_DIR, verifies it, extracts it and prints the
# path of the extracted "package/" directory.
fetch() {
    local pkg="$1" version="$2" integrity="$3"
    local dest="${WORK_DIR}/${pkg}"
    mkdir -p "${dest}"
    # Run npm from inside the temp dir so it never touches the repository.
    local tarball
    tarball="$(cd "${dest}" && npm pack --silent "${pkg}@${version}" 2>/dev/null | tail -n 1)"
    tarball="${dest}/${tarball}"
    [[ -f "${tarball}" ]] || { echo "error: npm pack ${pkg}@${version} produced no tarball" >&2; exit 1; }

    local actual
    actual="sha512-$(node -e '
        const fs = require("fs"), crypto = require("crypto");
        process.stdout.write(crypto.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"));
    ' "${tarball}")"
    if [[ "${actual}" != "${integrity}" ]]; then
        echo "error: integrity mismatch for ${pkg}@${version}" >&2
        echo "  expected ${integrity}" >&2
        echo "  actual   ${actual}" >&2
        exit 1
    fi

    tar -xzf "${tarball}" -C "${dest}"
    local got
    got="$(node -e 'const p=require(process.argv[1]); process.stdout.write(p.name+"@"+p.version)' "${dest}/package/package.json")"
    [[ "${got}" == "${pkg}@${version}" ]] || { echo "error: expected ${pkg}@${version}, tarball contains ${got}" >&2; exit 1; }
    echo "${dest}/package"
}

# put <src> <dest>: copy one file with normal permissions, creating dirs.
put() {
    install -D -m 0644 "$1" "$2"
}

echo "Fetching ${HTMX_PKG}@${HTMX_VERSION} ..." >&2
HTMX_SRC="$(fetch "${HTMX_PKG}" "${HTMX_VERSION}" "${HTMX_INTEGRITY}")"
echo "Fetching ${ECHARTS_PKG}@${ECHARTS_VERSION} ..." >&2
ECHARTS_SRC="$(fetch "${ECHARTS_PKG}" "${ECHARTS_VERSION}" "${ECHARTS_INTEGRITY}")"
echo "Fetching ${LEAFLET_PKG}@${LEAFLET_VERSION} ..." >&2
LEAFLET_SRC="$(fetch "${LEAFLET_PKG}" "${LEAFLET_VERSION}" "${LEAFLET_INTEGRITY}")"

# Replace the three library folders wholesale so stale files never linger.
rm -rf "${VENDOR_DIR}/htmx" "${VENDOR_DIR}/echarts" "${VENDOR_DIR}/leaflet"
mkdir -p "${VENDOR_DIR}"

# htmx
put "${HTMX_SRC}/dist/htmx.min.js" "${VENDOR_DIR}/htmx/htmx.min.js"
put "${HTMX_SRC}/LICENSE"          "${VENDOR_DIR}/htmx/LICENSE"

# ECharts (full build). LICENSE points at licenses/LICENSE-d3 for the
# embedded d3 code, so that file travels with it.
put "${ECHARTS_SRC}/dist/echarts.min.js"    "${VENDOR_DIR}/echarts/echarts.min.js"
put "${ECHARTS_SRC}/LICENSE"                "${VENDOR_DIR}/echarts/LICENSE"
if [[ -f "${ECHARTS_SRC}/NOTICE" ]]; then
    put "${ECHARTS_SRC}/NOTICE"             "${VENDOR_DIR}/echarts/NOTICE"
fi
if [[ -d "${ECHARTS_SRC}/licenses" ]]; then
    for f in "${ECHARTS_SRC}"/licenses/*; do
        put "${f}" "${VENDOR_DIR}/echarts/licenses/$(basename "${f}")"
    done
fi

# Leaflet
put "${LEAFLET_SRC}/dist/leaflet.js"  "${VENDOR_DIR}/leaflet/leaflet.js"
put "${LEAFLET_SRC}/dist/leaflet.css" "${VENDOR_DIR}/leaflet/leaflet.css"
put "${LEAFLET_SRC}/LICENSE"          "${VENDOR_DIR}/leaflet/LICENSE"
for f in "${LEAFLET_SRC}"/dist/images/*; do
    put "${f}" "${VENDOR_DIR}/leaflet/images/$(basename "${f}")"
done

# list_files <dir>: markdown bullet list of files under a vendor folder.
list_files() {
    (cd "${VENDOR_DIR}/$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | sed "s|^|  - \`$1/|; s|\$|\`|")
}

cat > "${VENDOR_DIR}/README.md" <<README
# Vendored front-end libraries

These files are copied verbatim from the npm registry so that the fangkong
web UI works fully offline (no CDN). Do not edit them by hand: regenerate
everything in this folder (including this README) with

    scripts/vendor-assets.sh

which runs \`npm pack <package>@<exact version>\` into a temporary directory,
verifies the tarball's sha512 integrity, and copies out the files below.
\`tests/test_vendor_assets.py\` checks the result.

| Library | npm package | Version | Licence |
|---------|-------------|---------|---------|
| htmx    | \`${HTMX_PKG}\` | ${HTMX_VERSION} | 0BSD |
| Apache ECharts | \`${ECHARTS_PKG}\` | ${ECHARTS_VERSION} | Apache-2.0 (embeds d3 code under BSD-3-Clause, see \`echarts/licenses/\`) |
| Leaflet | \`${LEAFLET_PKG}\` | ${LEAFLET_VERSION} | BSD-2-Clause |

## htmx ${HTMX_VERSION} (\`${HTMX_PKG}@${HTMX_VERSION}\`)

- Integrity: \`${HTMX_INTEGRITY}\`
- Taken from the package: \`dist/htmx.min.js\`, \`LICENSE\`
- Files here:
$(list_files htmx)

## Apache ECharts ${ECHARTS_VERSION} (\`${ECHARTS_PKG}@${ECHARTS_VERSION}\`)

- Integrity: \`${ECHARTS_INTEGRITY}\`
- Taken from the package: \`dist/echarts.min.js\` (full build), \`LICENSE\`,
  \`NOTICE\`, \`licenses/*\`
- Files here:
$(list_files echarts)

## Leaflet ${LEAFLET_VERSION} (\`${LEAFLET_PKG}@${LEAFLET_VERSION}\`)

- Integrity: \`${LEAFLET_INTEGRITY}\`
- Taken from the package: \`dist/leaflet.js\`, \`dist/leaflet.css\`,
  \`dist/images/*\`, \`LICENSE\`
- \`leaflet.css\` refers to \`images/…\` by relative URL, so keep the folder
  layout. \`leaflet.js\` ends with a \`sourceMappingURL=leaflet.js.map\` comment;
  the map is not vendored, which only matters to browser dev tools.
- Files here:
$(list_files leaflet)
README

echo "Vendored into ${VENDOR_DIR}:" >&2
(cd "${VENDOR_DIR}" && find . -type f | LC_ALL=C sort | xargs du -b | sed 's|\./||') >&2
echo "Total: $(find "${VENDOR_DIR}" -type f -printf "%s\n" | awk "{s+=\$1} END {print s}") bytes in files" >&2
