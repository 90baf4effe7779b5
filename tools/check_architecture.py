#!/usr/bin/env python3
"""Checks that ARCHITECTURE.md names only things that exist.

Every `crates/...` path it cites must exist, and every module file it names
inside a crate's section (`name.rs` or `name/`) must exist in that crate.
A crate section is a heading of the form "### `crates/NAME` ...".

Usage: tools/check_architecture.py [ROOT]   (exit 1 when a name is stale)
"""
import re
import sys
from pathlib import Path


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    text = (root / "ARCHITECTURE.md").read_text(encoding="utf-8")
    bad = []
    for m in re.finditer(r"`(crates/[A-Za-z0-9_./-]+)`", text):
        p = m.group(1).rstrip("/")
        if not (root / p).exists():
            bad.append(f"path {p} does not exist")
    crate = None
    for line in text.split("\n"):
        h = re.match(r"^###\s+`crates/([a-z_-]+)`", line)
        if h:
            crate = root / "crates" / h.group(1)
            continue
        if line.startswith("## ") or line.startswith("### "):
            crate = None
            continue
        if crate is None:
            continue
        for m in re.finditer(r"`([a-z_]+(?:/[a-z_]+)*)(\.rs|/)`", line):
            name = m.group(1) + m.group(2)
            hits = list(crate.glob(f"**/{name.rstrip('/')}")) if name.endswith("/") else list(crate.glob(f"**/{name}"))
            if not hits:
                bad.append(f"{crate.relative_to(root)}: `{name}` not found")
    for b in bad:
        print(b)
    print(f"{len(bad)} stale names in ARCHITECTURE.md")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
