"""Put the editor's schema line at the top of every knowledge file that lacks it.

Run ``python -m bot.staff.schema_lines [DIR]`` after adding a file. Only a missing first line
is inserted; nothing else in the file changes (staff may be editing the same files).
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.knowledge_files import SCHEMA_LINE_PREFIX, kind_of, schema_line


def add_missing(directory: Path) -> list[Path]:
    """Prepend the schema line where it is missing; return the files changed."""
    changed = []
    for path in sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml")):
        kind = kind_of(path, None)
        if kind is None:
            continue
        raw = path.read_bytes()
        want = schema_line(path, directory, kind)
        first = raw.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", errors="replace")
        if first == want:
            continue
        if first.startswith(SCHEMA_LINE_PREFIX):
            continue  # a schema line pointing elsewhere is a person's choice: validate warns
        newline = b"\r\n" if b"\r\n" in raw else b"\n"
        path.write_bytes(want.encode("utf-8") + newline + raw)
        changed.append(path)
    return changed


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else Path("knowledge")
    if not directory.is_dir():
        print(f"error: {directory} is not a directory", file=sys.stderr)
        return 2
    for path in add_missing(directory):
        print(f"added schema line: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
