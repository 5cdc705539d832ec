"""Benchmark (issue: hostile regexes): `name_regex` matched with RE2 beside Python's backtracking `re`.

The pattern `^(\\w+\\s?)*!$` over real image names that do not end in "!": RE2 answers a whole listing in
linear time; Python's `re` doubles its time with each word character, so it is timed on growing prefixes of
one name, each in a child process stopped after a time limit.

    uv run python bench/name_regex.py
"""

from __future__ import annotations

import subprocess
import sys
import time

from pulumi_cloudimages.choice.name_regex import compile_name_regex, name_matches
from pulumi_cloudimages.emulator.sample import sample_data

PATTERN = r"^(\w+\s?)*!$"
LIMIT = 10.0  # seconds a child process running Python's re may take before it is stopped


def re2_listing(names: list[str], rounds: int = 100) -> float:
    regex = compile_name_regex(PATTERN)
    started = time.perf_counter()
    for _ in range(rounds):
        assert not any(name_matches(regex, name) for name in names)
    return (time.perf_counter() - started) / rounds


def python_re(name: str) -> float | None:
    code = f"import re, time; t = time.perf_counter(); re.search({PATTERN!r}, {name!r}); print(time.perf_counter() - t)"
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=LIMIT)
    except subprocess.TimeoutExpired:
        return None
    return float(done.stdout)


def main() -> None:
    names = [image["name"] for image in sample_data()["images"]]
    longest = max(len(name) for name in names)
    print(f"RE2, the whole sample listing ({len(names)} names, up to {longest} characters): "
          f"{re2_listing(names) * 1e3:.3f} ms")  # fmt: skip
    name = "Windows Server 2019 Datacenter 64bit English"
    for length in (16, 20, 22, 24, 26, 28, len(name)):
        prefix = name[:length]
        regex = compile_name_regex(PATTERN)
        started = time.perf_counter()
        name_matches(regex, prefix)
        re2_seconds = time.perf_counter() - started
        seconds = python_re(prefix)
        python = f"{seconds:.3f} s" if seconds is not None else f"> {LIMIT:.0f} s (stopped)"
        print(f"{length:3d} characters {prefix!r:50} RE2 {re2_seconds * 1e6:8.1f} us   Python re {python}")
        if seconds is None:
            break


if __name__ == "__main__":
    main()
