#!/usr/bin/env python3
"""Interleaved A/B timing of whole commands, for deciding between two builds on a noisy machine.

Runs each command once per round, round after round (after one untimed warm-up round), so drift
in the machine's speed hits all of them alike; prints the median wall and CPU (user + system,
from wait4) of each, one line per command, in the order given.
Usage: benches/ab.py ROUNDS 'CMD A ...' 'CMD B ...' [...]   (commands are split on spaces)
"""
import os
import statistics
import sys
import time


def main() -> None:
    rounds, cmds = int(sys.argv[1]), sys.argv[2:]
    wall = {c: [] for c in cmds}
    cpu = {c: [] for c in cmds}
    devnull = os.open(os.devnull, os.O_WRONLY)
    quiet = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
    for round_ in range(rounds + 1):
        for c in cmds:
            args = c.split()
            started = time.perf_counter()
            pid = os.posix_spawnp(args[0], args, os.environ, file_actions=quiet)
            _, _, usage = os.wait4(pid, 0)
            if round_ == 0:
                continue
            wall[c].append((time.perf_counter() - started) * 1000)
            cpu[c].append((usage.ru_utime + usage.ru_stime) * 1000)
    for c in cmds:
        print(f"{statistics.median(wall[c]):8.2f} ms wall {statistics.median(cpu[c]):8.2f} ms cpu  {c}")


if __name__ == "__main__":
    main()
