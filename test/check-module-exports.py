#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A module exports exactly one symbol, sc_module_exports (SC_MODULE_SYMBOL):
it is built with -fvisibility=hidden, so none of its own globals can be
bound to by the core or another module, nor bind to theirs.

Usage: check-module-exports.py MODULE.so...

Symbols a sanitizer runtime or the linker adds (names starting with "_")
are not counted. Exits 77 when nm is missing."""
import shutil
import subprocess
import sys

SKIP = 77
WANT = {"sc_module_exports"}


def defined(path):
    out = subprocess.run(["nm", "-D", "--defined-only", path],
                         capture_output=True, text=True, check=True).stdout
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            syms.add(parts[-1].split("@")[0])
    return {s for s in syms if not s.startswith("_")}


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    if not shutil.which("nm"):
        print("nm not found", file=sys.stderr)
        return SKIP
    bad = 0
    for path in sys.argv[1:]:
        got = defined(path)
        if got != WANT:
            bad = 1
            print(f"{path}: exports {sorted(got)}, expected "
                  f"{sorted(WANT)}", file=sys.stderr)
            print(f"  extra: {sorted(got - WANT)}", file=sys.stderr)
            print(f"  missing: {sorted(WANT - got)}", file=sys.stderr)
        else:
            print(f"{path}: exports only {sorted(WANT)[0]}")
    return bad


if __name__ == "__main__":
    sys.exit(main())
