#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The sipcore binary exports exactly the module API: every function and
variable that a header in core/include/sipcore/ marks SC_PUBLIC, and
nothing else of the core.

Usage: check-exports.py SIPCORE LIBSCCORE_A INCLUDE_DIR

The symbols of the core are those libsccore.a defines (so that what a
sanitizer runtime adds to the binary is not counted); of those, the ones
in the binary's dynamic symbol table must be the declared ones."""
import glob
import os
import re
import shutil
import subprocess
import sys

SKIP = 77


def nm(args):
    out = subprocess.run(["nm", *args], capture_output=True, text=True,
                         check=True).stdout
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[-2] not in ("U", "w", "v"):
            syms.add(parts[-1].split("@")[0])
    return syms


def strip_blocks(text):
    """Drop {...} bodies (structs, enums, inline functions), nested."""
    out, depth, fn_body = [], 0, False
    for ch in text:
        if ch == "{":
            if depth == 0:
                head = "".join(out).rsplit(";", 1)[-1]
                fn_body = head.rstrip().endswith(")")
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0 and fn_body:
                out.append(";")  # a function body ends its statement
            continue
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def declared(include_dir):
    """Every function and variable the API headers declare, and those of
    them marked SC_PUBLIC."""
    names, marked = set(), set()
    for path in sorted(glob.glob(os.path.join(include_dir, "*.h"))):
        text = open(path).read()
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        text = re.sub(r"//[^\n]*", " ", text)
        text = re.sub(r"^\s*#(?:[^\n]*\\\n)*[^\n]*", " ", text, flags=re.M)
        for stmt in strip_blocks(text).split(";"):
            stmt = " ".join(stmt.split())
            if not stmt or stmt.startswith("typedef") or \
               "static inline" in stmt or re.fullmatch(
                   r"(struct|enum|union) \w+( \w+)?", stmt):
                continue
            fn = re.search(r"(\w+)\s*\(", stmt)
            name = fn.group(1) if fn else \
                re.search(r"(\w+)\s*(\[[^\]]*\])?$", stmt).group(1)
            names.add(name)
            if re.search(r"\bSC_PUBLIC\b", stmt):
                marked.add(name)
    return names, marked


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    binary, lib, include_dir = sys.argv[1:]
    if not shutil.which("nm"):
        print("nm not found: skipped")
        return SKIP
    api, marked = declared(include_dir)
    core = nm(["--defined-only", "--extern-only", lib])
    # ASan marks each exported variable with an __odr_asan.NAME symbol
    exported = {s for s in nm(["-D", "--defined-only", binary]) & core
                if not s.startswith("__odr_asan")}
    unmarked = sorted(api - marked)
    missing = sorted(api - exported)
    extra = sorted(exported - api)
    print(f"{len(api)} declared, {len(marked)} marked SC_PUBLIC, "
          f"{len(exported)} exported")
    for s in unmarked:
        print(f"declared without SC_PUBLIC: {s}")
    for s in missing:
        print(f"declared but not exported: {s}")
    for s in extra:
        print(f"exported but not declared: {s}")
    if not api:
        print("no declaration found")
        return 1
    return 1 if unmarked or missing or extra else 0


if __name__ == "__main__":
    sys.exit(main())
