"""python -m benchmarks [--markdown] [TOPIC...]: run the bench_* modules,
print one table (--markdown: the table README.md quotes, without notes)."""

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


def machine() -> str:
    """What the figures were taken on (the README's table quotes this line)."""
    import os

    cpu = platform.processor()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = f", load {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return (f"{cpu or platform.machine()} × {os.cpu_count()} cores{load}, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


def main(argv: list[str]) -> int:
    topics = [n.removeprefix("bench_") for n in modules([])]
    if {"-h", "--help"} & set(argv):
        print(f"{__doc__.strip()}\ntopics: {' '.join(topics)}")
        return 0
    markdown = "--markdown" in argv
    wanted = [a for a in argv if a != "--markdown"]
    if unknown := [a for a in wanted if a.removeprefix("bench_") not in topics]:
        print(f"unknown benchmark {', '.join(unknown)}: choose from {' '.join(topics)}", file=sys.stderr)
        return 2
    names = modules(wanted)
    if markdown:
        print(f"Taken on {machine()}, {time.strftime('%Y-%m-%d')}.\n")
        print("| figure | value | baseline | ratio | target | met |")
        print("| --- | ---: | ---: | ---: | --- | --- |")
    else:
        print(f"machine: {machine()}")
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
            if markdown:
                print(f"| {f.name} | {f.value:.4g} {f.unit} | {base} | {ratio} | {f.target or ''} | {ok} |")
            else:
                print(f"{f.name:<58} {f.value:>12.4g} {f.unit:<6} {base:>10} {ratio:>7}  "
                      f"{f.target or '':<8} {ok}{'  ' + f.note if f.note else ''}")
        if not markdown:
            print(f"  ({name}: {time.perf_counter() - start:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
