#!/usr/bin/env python3
"""Checks the size limits ARCHITECTURE.md sets for library and CLI code.

No Rust source file outside tests and the simulator is over 800 lines, and no
function anywhere outside them is over 150 lines. Functions are found by
their `fn` line and measured to the closing brace at the same indentation
(rustfmt's layout), which is exact for formatted code.

Usage: tools/check_limits.py [ROOT]   (exit 1 when a limit is broken)
"""
import re
import sys
from pathlib import Path

MAX_FILE = 800
MAX_FN = 150
FN = re.compile(r"^(\s*)(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?(extern\s+\"C\"\s+)?fn\s+(\w+)")


def exempt(p: Path) -> bool:
    parts = p.parts
    return (
        "tests" in parts
        or "benches" in parts
        or "examples" in parts
        or (len(parts) > 1 and parts[0] == "crates" and parts[1] in ("sim", "testutil"))
        or p.name == "tests.rs"
        or "fuzz" in parts
    )


def test_module_start(lines):
    """Index of the line that opens an in-file `#[cfg(test)] mod tests`."""
    for i, l in enumerate(lines):
        if l.startswith("#[cfg(test)]") and i + 1 < len(lines) and lines[i + 1].startswith("mod "):
            return i
    return len(lines)


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    bad = []
    for p in sorted(root.glob("crates/**/*.rs")):
        rel = p.relative_to(root)
        if exempt(rel):
            continue
        lines = p.read_text(encoding="utf-8").split("\n")
        end = test_module_start(lines)
        if end > MAX_FILE:
            bad.append(f"{rel}: {end} lines (limit {MAX_FILE}, tests excluded)")
        for i, l in enumerate(lines[:end]):
            m = FN.match(l)
            if not m or l.rstrip().endswith(";"):
                continue
            indent = m.group(1)
            close = indent + "}"
            for j in range(i + 1, end):
                if lines[j] == close or lines[j].startswith(close + " ") or lines[j] == close + ")":
                    n = j - i + 1
                    if n > MAX_FN:
                        bad.append(f"{rel}:{i + 1}: fn {m.group(8)} is {n} lines (limit {MAX_FN})")
                    break
    for b in bad:
        print(b)
    print(f"{len(bad)} over the limits")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
