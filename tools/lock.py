"""Write requirements.lock: every installed package pinned, with the sha256 of its file.

Run by ``make lock`` after a change of the dependencies in pyproject.toml. It downloads each
pinned package once (no dependencies resolved again) and hashes what pip would install, so
``pip install --require-hashes -r requirements.lock`` in make, CI and Docker installs exactly
these files or stops. The build backend (setuptools) is pinned too: the project is installed
without build isolation, so nothing unpinned is fetched to build it.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import tempfile
from pathlib import Path

BUILD_BACKEND = "setuptools==84.2.1"  # must satisfy [build-system] requires in pyproject.toml
HEADER = """\
# Exact versions of every package (runtime, dev and the build backend), with the hashes of
# their files: make, CI and Docker install only these (pip --require-hashes). Refresh after
# changing pyproject.toml: make lock"""


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main() -> int:
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
                            check=True, capture_output=True, text=True).stdout.split()
    pins = [p for p in frozen if "==" in p and not p.lower().startswith("setuptools==")]
    pins.append(BUILD_BACKEND)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--dest", tmp, *pins], check=True)
        files: dict[str, list[Path]] = {}
        for path in Path(tmp).iterdir():
            files.setdefault(_key(re.split(r"-\d", path.name, maxsplit=1)[0]), []).append(path)
        lines = [HEADER]
        for pin in sorted(pins, key=str.lower):
            name = pin.split("==")[0]
            hashes = " ".join(f"--hash=sha256:{hashlib.sha256(p.read_bytes()).hexdigest()}"
                              for p in sorted(files[_key(name)]))
            lines.append(f"{pin} {hashes}")
    Path("requirements.lock").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
