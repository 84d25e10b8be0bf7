#!/usr/bin/python3
"""Runs bench-ovs.c built against OVS's C library and against ovsrpc, and
prints the ratios ovsrpc:OVS.

Usage: run.py BENCH_AGAINST_OVS BENCH_AGAINST_OVSRPC

The two programs are the same source (benches/ovs/bench-ovs.c) built twice.
Round after round, each scenario runs once in each program, in a fresh
process, the two taking turns at going first; a ratio is the median of the
per-round ratios, so that a slow spell on a shared machine hits both alike.
BENCH_OVS_ROUNDS sets the number of rounds (default 5); BENCH_OVS_RUN_MS
how long each measurement runs (default 400 ms, read by the program).

For the scenarios that pass messages, the CPU time per message (user and
system, which the program reads with getrusage()) is printed too, with the
ceiling it sets: OVS's CPU time per message over ovsrpc's system time
alone, the ratio ovsrpc would reach with no user time at all.
"""

import os
import re
import statistics
import subprocess
import sys
import time

# (scenario, label, unit, target, higher_is_better)
SCENARIOS = [
    ("parse", "(a) parse, OVSDB monitor update, 10,000 rows", "MB/s", 2.0, True),
    ("serialize", "(b) serialize the same (json_to_string)", "MB/s", 2.0, True),
    ("notify-100", "(c) 100 B notifications, jsonrpc_send each", "msgs/s", 2.0, True),
    ("notify-10k", "(d) 10 KB notifications (one string)", "msgs/s", 3.0, True),
    ("notify-rows", "(d') 10 KB notifications (OVSDB rows)", "msgs/s", 3.0, True),
    ("round-trips", "(e) request/reply round trips", "/s", 1.3, True),
    ("memory", "(f) peak memory, one ~100 MB OVSDB tree", "MB", 1.0, False),
    ("poll-loop", "(g) poll loop iterations, 5,000 fds, 1 ready", "/s", None, True),
]


def run(program, scenario):
    """Runs one scenario; returns (value, the program's whole line)."""
    p = subprocess.run([program, scenario], capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        sys.exit(f"bench-ovs: {program} {scenario}: exit status {p.returncode}")
    line = p.stdout.strip()
    m = re.match(r"([0-9.]+) ", line)
    if not m:
        sys.exit(f"bench-ovs: {program} {scenario}: unexpected output {line!r}")
    value = float(m.group(1))
    if scenario == "memory":
        value /= 1024.0  # kB to MB
    return value, line


def fmt(value, unit):
    if unit == "MB/s":
        return f"{value:8.1f} {unit}"
    if unit == "MB":
        return f"{value:8.0f} {unit}"
    return f"{value:8.0f} {unit}"


CPU = re.compile(r"cpu ([0-9.]+) us user, ([0-9.]+) us system")


def print_cpu(lines):
    """Prints the median CPU time per message of each library in each
    scenario that reports it, and the ceiling the system time sets."""
    rows = []
    for scenario, *_ in SCENARIOS:
        cpu = {}
        for lib in ("OVS", "ovsrpc"):
            found = [CPU.search(line) for line in lines.get((scenario, lib), [])]
            found = [m for m in found if m]
            if found:
                cpu[lib] = (statistics.median(float(m.group(1)) for m in found),
                            statistics.median(float(m.group(2)) for m in found))
        if len(cpu) == 2:
            rows.append((scenario, cpu))
    if not rows:
        return
    print("CPU per message (round trip), medians, us user + us system; ceiling ="
          " OVS's CPU / ovsrpc's system time:")
    for scenario, cpu in rows:
        (ou, os_), (ru, rs) = cpu["OVS"], cpu["ovsrpc"]
        ceiling = (ou + os_) / rs if rs > 0 else float("inf")
        print(f"  {scenario:12} OVS {ou:6.3f} + {os_:6.3f}   ovsrpc {ru:6.3f} + {rs:6.3f}"
              f"   ceiling {ceiling:5.2f}x")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    programs = {"OVS": sys.argv[1], "ovsrpc": sys.argv[2]}
    rounds = int(os.environ.get("BENCH_OVS_ROUNDS", "5"))
    values = {s[0]: {"OVS": [], "ovsrpc": []} for s in SCENARIOS}
    lines = {}  # (scenario, lib): the program's line of each round
    start = time.monotonic()
    for r in range(rounds):
        order = ["OVS", "ovsrpc"] if r % 2 == 0 else ["ovsrpc", "OVS"]
        for scenario, *_ in SCENARIOS:
            for lib in order:
                value, line = run(programs[lib], scenario)
                values[scenario][lib].append(value)
                lines.setdefault((scenario, lib), []).append(line)
        print(f"  round {r + 1}/{rounds} done ({time.monotonic() - start:.0f} s)",
              file=sys.stderr)

    print(f"bench-ovs: benches/ovs/bench-ovs.c built against OVS 3.1's "
          f"libopenvswitch.a and against libovsrpc.a,")
    print(f"{rounds} rounds taking turns, fresh process per run; medians; "
          f"ratio = median of per-round ratios ovsrpc:OVS")
    print(f"{'':44} {'OVS 3.1':>15} {'ovsrpc':>15} {'ratio':>7}  target")
    for scenario, label, unit, target, higher in SCENARIOS:
        ovs = values[scenario]["OVS"]
        ours = values[scenario]["ovsrpc"]
        ratio = statistics.median(b / a for a, b in zip(ovs, ours))
        if target is None:
            met, want = True, "(none)"
        else:
            met = ratio >= target if higher else ratio <= target
            want = f">= {target:g}x" if higher else f"<= {target:g}x (lower is better)"
        print(f"{label:44} {fmt(statistics.median(ovs), unit):>15} "
              f"{fmt(statistics.median(ours), unit):>15} {ratio:6.2f}x  "
              f"{want}{'' if met else '  (not met)'}")
    scaling = {lib: [] for lib in programs}
    for lib in programs:
        for line in lines[("poll-loop", lib)]:
            m = re.search(r"ratio 5000:10 ([0-9.]+)", line)
            if m:
                scaling[lib].append(float(m.group(1)))
    if all(scaling.values()):
        print(f"poll loop, cost at 5,000 fds : cost at 10 (median): "
              f"OVS {statistics.median(scaling['OVS']):.1f}, "
              f"ovsrpc {statistics.median(scaling['ovsrpc']):.1f}")
    print_cpu(lines)
    print("per-round ratios:")
    for scenario, label, *_ in SCENARIOS:
        ovs = values[scenario]["OVS"]
        ours = values[scenario]["ovsrpc"]
        print(f"  {scenario:12} " + " ".join(f"{b / a:.2f}" for a, b in zip(ovs, ours)))
    print("last run's lines (OVS | ovsrpc):")
    for scenario, *_ in SCENARIOS:
        print(f"  {scenario:12} {lines[(scenario, 'OVS')][-1]} | "
              f"{lines[(scenario, 'ovsrpc')][-1]}")
    print(f"total {time.monotonic() - start:.0f} s")


if __name__ == "__main__":
    main()
