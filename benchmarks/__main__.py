"""python -m benchmarks [TOPIC...]: run the bench_* modules, print one table."""

from __future__ import annotations

import importlib
import pkgutil
import platform
import sys
import time
from pathlib import Path

import benchmarks


def modules(wanted: list[str]) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(benchmarks.__file__).parent)])
                   if m.name.startswith("bench_"))
    if wanted:
        names = [n for n in names if n.removeprefix("bench_") in wanted or n in wanted]
    return names


def main(argv: list[str]) -> int:
    names = modules(argv)
    if not names:
        print(f"no benchmarks match {argv}", file=sys.stderr)
        return 2
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu ?'}, "
          f"Python {platform.python_version()}, {platform.system()} {platform.release()}")
    print(f"{'figure':<58} {'value':>12} {'unit':<6} {'baseline':>10} {'ratio':>7}  target   ok")
    failed = 0
    for name in names:
        start = time.perf_counter()
        figures = importlib.import_module(f"benchmarks.{name}").run()
        for f in figures:
            ratio = f"{f.ratio:.2f}×" if f.ratio is not None else ""
            base = f"{f.baseline:.4g}" if f.baseline is not None else ""
            ok = {True: "yes", False: "NO", None: ""}[f.ok]
            failed += f.ok is False
            print(f"{f.name:<58} {f.value:>12.4g} {f.unit:<6} {base:>10} {ratio:>7}  "
                  f"{f.target or '':<8} {ok}{'  ' + f.note if f.note else ''}")
        print(f"  ({name}: {time.perf_counter() - start:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
