"""Fetch the pinned front-end packages of packages.json from the npm registry.

Each tarball is checked against its npm integrity hash before anything is written;
the chosen files and the licence land in static/vendor/<dir>-<version>/ together with
a VERSIONS file. Run with `make vendor`; needs only the Python standard library.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REGISTRY = "https://registry.npmjs.org"


def tarball_url(name: str, version: str) -> str:
    bare = name.split("/")[-1]
    return f"{REGISTRY}/{name}/-/{bare}-{version}.tgz"


def check_integrity(data: bytes, integrity: str) -> None:
    algo, _, expected = integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if actual != expected:
        sys.exit(f"integrity mismatch: expected {integrity}, got {algo}-{actual}")


def fetch(package: dict) -> str:
    url = tarball_url(package["name"], package["version"])
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (fixed https URL)
        data = response.read()
    check_integrity(data, package["integrity"])
    target = HERE / f"{package['dir']}-{package['version']}"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for source, dest in package["files"].items():
            member = tar.extractfile(f"package/{source}")
            if member is None:
                sys.exit(f"{package['name']}: {source} missing from the tarball")
            (target / dest).write_bytes(member.read())
    return f"{package['name']} {package['version']} {package['integrity']} {url}"


def main() -> None:
    packages = json.loads((HERE / "packages.json").read_text())["packages"]
    lines = [fetch(p) for p in packages]
    (HERE / "VERSIONS").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
