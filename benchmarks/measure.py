"""Timing child processes fairly on a shared, noisy machine.

A figure compares two things measured in the same run, interleaved (A, B,
A, B, ...) so that load from elsewhere hits both alike, and keeps the best
(lowest) of each, as benchmarks.best_time does in-process: noise only ever
adds time. CPU time (user + system of the child, from wait4) is the
headline: it does not count time spent waiting for other people's
processes; wall time is kept for the notes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Timing:
    cpu: float  # seconds, user + system
    wall: float


def run_child(argv: list[str], *, env: dict | None = None, cwd: Path = ROOT,
              stdout=subprocess.DEVNULL) -> Timing:
    env = {**os.environ, **(env or {})}
    # As installed, Python code runs from cached bytecode; a development shell
    # that forbids writing it would have our modules (not the libraries, which
    # pip compiled) recompiled on every run and charged to us.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} ... exited {proc.returncode}: {err[-1500:]}")
    return Timing(cpu=usage.ru_utime + usage.ru_stime, wall=wall)


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def interleaved(runs: int, *commands: list[str], env: dict | None = None,
                warmup: int = 1) -> list[Timing]:
    """Best timing of each command, run in turn `runs` times."""
    for _ in range(warmup):
        for argv in commands:
            run_child(argv, env=env)
    samples: list[list[Timing]] = [[] for _ in commands]
    for _ in range(runs):
        for i, argv in enumerate(commands):
            samples[i].append(run_child(argv, env=env))
    return [Timing(cpu=min(t.cpu for t in s), wall=min(t.wall for t in s)) for s in samples]
