"""Benchmark whole processes: synth against the naive cdktf floor, tests, scale, memory.

    pipenv run python bench/benchmark.py [--repetitions 5]

Each case runs once to warm up (caches, .pyc), then ``--repetitions`` times; it prints the
median, min and max wall time, ratios from the same run, the peak memory of the whole
process tree (Python and the jsii Node.js kernel) and whether each target holds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # a script: found before the project is importable
PY = sys.executable
UNIT_MARKERS = "not security and not terraform and not emulator and not process"


@dataclass
class Case:
    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    times: list[float] = field(default_factory=list)
    peak_rss: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def _tree_rss(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants, in bytes (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        stack += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def run(case: Case) -> tuple[float, int]:
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", **case.env}
    for name in ("ENVIRONMENTS", "RUST_ROUTING_PERCENT", "SCORER_PROVIDER_IMPORT"):
        if name not in case.env:
            env.pop(name, None)
    peak = 0
    start = time.perf_counter()
    process = subprocess.Popen(case.command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate(timeout=900)
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{case.name} failed ({process.returncode}):\n{stderr.decode()[-3000:]}")
    return elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="scorer-bench-"))
    cases = [
        Case("floor: minimal app, ordinary import", [PY, "bench/floor_app.py", str(tmp / "f")]),
        Case("synth: all four environments", [PY, "-O", "main.py"],
             {"CDKTF_OUTDIR": str(tmp / "a")}),
        Case("synth: one environment (production)", [PY, "-O", "main.py"],
             {"CDKTF_OUTDIR": str(tmp / "o"), "ENVIRONMENTS": "production"}),
        Case("unit-test session (synth tests)",
             [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", UNIT_MARKERS]),
        # -O like every synth (cdktf.json): jsii's per-call type checks are the tests' job
        Case("scale: 100 routes per listener",
             [PY, "-O", "bench/scale_app.py", "100", str(tmp / "s1")]),
        Case("scale: 500 routes per listener",
             [PY, "-O", "bench/scale_app.py", "500", str(tmp / "s5")]),
    ]
    print(f"{args.repetitions} repetitions after one warm-up; {os.cpu_count()} cores", flush=True)
    for case in cases:
        run(case)  # warm-up
        for _ in range(args.repetitions):
            elapsed, peak = run(case)
            case.times.append(elapsed)
            case.peak_rss = max(case.peak_rss, peak)
        print(f"  {case.name:<40} median {case.median:6.2f} s  min {min(case.times):6.2f}  "
              f"max {max(case.times):6.2f}  peak {case.peak_rss / 2**20:5.0f} MiB", flush=True)

    floor, all_envs, one_env, unit, s100, s500 = cases
    ratios = [
        ("all environments / floor", all_envs.median / floor.median, 0.40),
        ("one environment / floor", one_env.median / floor.median, 0.25),
        ("unit-test session / all-environment synth", unit.median / all_envs.median, 2.0),
        ("500 routes / 100 routes", s500.median / s100.median, 2.0),
    ]
    print("\nratios (medians of this run):")
    for label, value, target in ratios:
        verdict = "met" if value <= target else "NOT MET"
        print(f"  {label:<44} {value:5.2f}  (target <= {target:.2f}: {verdict})")
    print("\nrollout on the local emulator (one run):", flush=True)
    subprocess.run([PY, "bench/rollout_bench.py"], cwd=ROOT, check=True,
                   env={**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"})
    memory = all_envs.peak_rss / 2**20
    verdict = "met" if memory <= 800 else "NOT MET"
    print(f"  {'peak memory of the all-environment synth':<44} {memory:5.0f} MiB "
          f"(target <= 800 MiB: {verdict})")


if __name__ == "__main__":
    main()
