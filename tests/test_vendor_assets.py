"""Checks for the vendored front-end libraries in src/fangkong/static/vendor/.

The files are produced by scripts/vendor-assets.sh (npm pack of pinned
versions). These tests make sure they are all present, licensed, documented,
match the versions pinned in the script, and do not pull code from a CDN, so
the web UI keeps working offline.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
VENDOR_DIR = REPO_ROOT / "src" / "fangkong" / "static" / "vendor"
SCRIPT = REPO_ROOT / "scripts" / "vendor-assets.sh"
README = VENDOR_DIR / "README.md"

# relative path -> minimum size in bytes (well below the real sizes, far above
# what an empty file, an HTML error page or a Git LFS pointer would be).
EXPECTED_FILES: dict[str, int] = {
    "htmx/htmx.min.js": 30_000,
    "htmx/LICENSE": 200,
    "echarts/echarts.min.js": 500_000,
    "echarts/LICENSE": 5_000,
    "echarts/NOTICE": 50,
    "leaflet/leaflet.js": 100_000,
    "leaflet/leaflet.css": 5_000,
    "leaflet/LICENSE": 500,
    "leaflet/images/layers.png": 300,
    "leaflet/images/layers-2x.png": 500,
    "leaflet/images/marker-icon.png": 500,
    "leaflet/images/marker-icon-2x.png": 1_000,
    "leaflet/images/marker-shadow.png": 300,
}

LIBRARY_DIRS = ["htmx", "echarts", "leaflet"]

JS_FILES = ["htmx/htmx.min.js", "echarts/echarts.min.js", "leaflet/leaflet.js"]

# script variable prefix -> (vendor dir, main JS file)
LIBRARIES = {
    "HTMX": ("htmx", "htmx/htmx.min.js"),
    "ECHARTS": ("echarts", "echarts/echarts.min.js"),
    "LEAFLET": ("leaflet", "leaflet/leaflet.js"),
}

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _script_vars() -> dict[str, str]:
    text = SCRIPT.read_text(encoding="utf-8")
    return dict(re.findall(r'^([A-Z_]+)="([^"]*)"', text, flags=re.MULTILINE))


def _pinned() -> dict[str, tuple[str, str]]:
    """prefix -> (npm package, exact version) as pinned in the script."""
    variables = _script_vars()
    return {
        prefix: (variables[f"{prefix}_PKG"], variables[f"{prefix}_VERSION"])
        for prefix in LIBRARIES
    }


@pytest.mark.parametrize("rel_path,min_size", sorted(EXPECTED_FILES.items()))
def test_vendored_file_present_and_non_trivial(rel_path: str, min_size: int) -> None:
    path = VENDOR_DIR / rel_path
    assert path.is_file(), f"missing vendored file {rel_path}; run scripts/vendor-assets.sh"
    size = path.stat().st_size
    assert size >= min_size, f"{rel_path} is only {size} bytes (expected >= {min_size})"
    head = path.read_bytes()[:200]
    assert not head.startswith(b"version https://git-lfs"), f"{rel_path} is a Git LFS pointer"
    if rel_path.endswith(".png"):
        assert head.startswith(PNG_MAGIC), f"{rel_path} is not a PNG file"
    elif rel_path.endswith((".js", ".css")):
        assert not head.lstrip().lower().startswith((b"<!doctype", b"<html")), (
            f"{rel_path} looks like an HTML page, not a library file"
        )


@pytest.mark.parametrize("lib_dir", LIBRARY_DIRS)
def test_each_library_has_license(lib_dir: str) -> None:
    licence = VENDOR_DIR / lib_dir / "LICENSE"
    assert licence.is_file(), f"{lib_dir}/LICENSE missing"
    text = licence.read_text(encoding="utf-8")
    assert re.search(r"licen[cs]e|permission", text, re.IGNORECASE), f"{lib_dir}/LICENSE looks empty"


def test_echarts_third_party_licence_referenced_by_license_is_present() -> None:
    # ECharts' LICENSE points at /licenses/LICENSE-d3 for its embedded d3 code.
    if "licenses/LICENSE-d3" in (VENDOR_DIR / "echarts" / "LICENSE").read_text(encoding="utf-8"):
        assert (VENDOR_DIR / "echarts" / "licenses" / "LICENSE-d3").is_file()


def test_script_pins_exact_versions() -> None:
    assert SCRIPT.is_file()
    text = SCRIPT.read_text(encoding="utf-8")
    assert "set -euo pipefail" in text
    assert "npm pack" in text
    pinned = _pinned()
    for prefix, (pkg, version) in pinned.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{prefix}_VERSION={version!r} is not an exact version"
        assert _script_vars().get(f"{prefix}_INTEGRITY", "").startswith("sha512-"), (
            f"{prefix}_INTEGRITY missing or not sha512"
        )
    assert pinned["HTMX"][0] == "htmx.org"
    assert pinned["HTMX"][1].startswith("2."), "htmx must stay on the 2.x line"
    assert pinned["ECHARTS"][0] == "echarts"
    assert pinned["ECHARTS"][1].split(".")[0] in {"5", "6"}
    assert pinned["LEAFLET"] == ("leaflet", "1.9.4")


def test_readme_names_every_pinned_version() -> None:
    assert README.is_file()
    readme = README.read_text(encoding="utf-8")
    for prefix, (pkg, version) in _pinned().items():
        assert f"{pkg}@{version}" in readme, f"README does not mention {pkg}@{version}"
        assert version in readme
    for licence in ("0BSD", "Apache-2.0", "BSD-2-Clause"):
        assert licence in readme
    for rel_path in EXPECTED_FILES:
        assert rel_path in readme, f"README does not list {rel_path}"


@pytest.mark.parametrize("prefix", sorted(LIBRARIES))
def test_vendored_js_matches_pinned_version(prefix: str) -> None:
    _, js_file = LIBRARIES[prefix]
    _, version = _pinned()[prefix]
    text = (VENDOR_DIR / js_file).read_text(encoding="utf-8")
    # Each build embeds its own version as `version:"x.y.z"` or `version="x.y.z"`.
    pattern = r'version\s*[:=]\s*"' + re.escape(version) + '"'
    assert re.search(pattern, text), f"{js_file} is not version {version} (re-run scripts/vendor-assets.sh)"


# Ways a script could load code from the network, and well-known CDN hosts.
_REMOTE_LOAD_PATTERNS = [
    re.compile(r"""<script[^>]*\bsrc\s*=\s*\\?["']?\s*(?:https?:)?//""", re.IGNORECASE),
    re.compile(r"""<link[^>]*\bhref\s*=\s*\\?["']?\s*(?:https?:)?//""", re.IGNORECASE),
    re.compile(r"""\bimportScripts\s*\(\s*["'`](?:https?:)?//""", re.IGNORECASE),
    re.compile(r"""\bimport\s*\(\s*["'`](?:https?:)?//""", re.IGNORECASE),
    re.compile(r"""\bfrom\s*["'](?:https?:)?//""", re.IGNORECASE),
]
_CDN_HOSTS = re.compile(
    r"(?:unpkg\.com|cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com|ajax\.googleapis\.com"
    r"|code\.jquery\.com|cdn\.bootcdn\.net|cdn\.bootcss\.com|cdn\.staticfile\.org"
    r"|lib\.baomitu\.com|fastly\.jsdelivr\.net|esm\.sh|skypack\.dev)",
    re.IGNORECASE,
)


@pytest.mark.parametrize("rel_path", JS_FILES)
def test_js_does_not_load_code_from_cdn(rel_path: str) -> None:
    text = (VENDOR_DIR / rel_path).read_text(encoding="utf-8")
    for pattern in _REMOTE_LOAD_PATTERNS:
        match = pattern.search(text)
        assert match is None, f"{rel_path} loads remote code: {match.group(0)!r}"
    match = _CDN_HOSTS.search(text)
    assert match is None, f"{rel_path} references CDN host {match.group(0)!r}"


def test_leaflet_css_uses_only_local_assets() -> None:
    css = (VENDOR_DIR / "leaflet" / "leaflet.css").read_text(encoding="utf-8")
    urls = re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", css)
    assert urls, "expected leaflet.css to reference its marker/layer images"
    assert "@import" not in css
    for url in urls:
        assert not re.match(r"(?:https?:)?//", url), f"leaflet.css loads remote asset {url}"
        if url.startswith(("#", "data:")):
            continue
        assert (VENDOR_DIR / "leaflet" / url).is_file(), f"leaflet.css references missing {url}"


def test_no_node_modules_left_in_repo() -> None:
    assert not (REPO_ROOT / "node_modules").exists()
    assert not (REPO_ROOT / "package-lock.json").exists()
    assert not any(VENDOR_DIR.rglob("node_modules"))
    assert not any(VENDOR_DIR.rglob("*.tgz"))
