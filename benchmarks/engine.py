"""Benchmark of the batch engine (zjtx/policy/batch.py) on seeded synthetic populations.

    .venv/bin/python benchmarks/engine.py            # N = 10^4, 10^5, 10^6
    .venv/bin/python benchmarks/engine.py --n 1000000

For each N it builds a population directly as columns (batch_synth.py: N
enterprises, N/10 investors, N/100 operators, about 4 facts per enterprise; not
timed), then times, as the median of a few repeats:

- compute_s: `evaluate(population)`, from the columns in memory to every line
  with its amount, funding split, attribution year, caps and every rejection
  with its reason (all four articles, caps, once-only rules, duplicates);
- numpy_s: a bare numpy computation on the same columns of Art. 1's amounts and
  their split and Art. 6's 1% with the item cap, nothing more (no eligibility,
  no order, no once-only rule, no annual cap);

(both wall-clock, with the process's CPU seconds beside them: on a shared machine
the wall clock also counts the time other processes take the cores), and
reports peak_mb, the tracemalloc peak of one evaluation (numpy reports its
buffers to tracemalloc; the population itself, allocated before, is not
counted), and maxrss_mb, the process's peak resident set (population included).
The last line reads `engine n=… compute_s=… peak_mb=… numpy_s=… ratio=…` for the
largest N run; ratio = compute_s / numpy_s.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import time
import tracemalloc

import numpy as np

from zjtx.policy.batch import evaluate
from zjtx.policy.batch_population import T_EQUITY, T_NATIONAL, T_PROVINCIAL, Population
from zjtx.policy.batch_synth import synthetic_population


def bare_numpy(pop: Population):
    """Art. 1's amounts and split, Art. 6's 1% with the item cap: the arithmetic alone."""
    f, pol, jur, parties = pop.facts, pop.policy, pop.jurisdictions, pop.parties
    rows = np.flatnonzero(~f.is_history & ((f.type == T_PROVINCIAL) | (f.type == T_NATIONAL)))
    day = f.day[rows]
    amount = np.where(f.type[rows] == T_NATIONAL, pol.money("art1_national_little_giant", day),
                      pol.money("art1_provincial_zjtx", day))
    home = parties.home[f.party[rows]]
    den = jur.city_den[home]
    city = (2 * amount * jur.city_num[home] + den) // (2 * den)
    local = amount - city
    rows = np.flatnonzero(~f.is_history & (f.type == T_EQUITY))
    day = f.day[rows]
    num, den = pol.rate("art6_rate", day)
    raw = (2 * f.money[rows] * num.astype(np.int64) + den.astype(np.int64)) // (2 * den.astype(np.int64))
    award = np.minimum(raw, pol.money("art6_item_cap", day))
    return city, local, award


def timed(fn, repeats: int) -> tuple[float, float]:
    """Median wall-clock and median process CPU seconds of `repeats` calls."""
    wall, cpu = [], []
    for _ in range(repeats):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def run(n: int, repeats: int) -> str:
    pop = synthetic_population(n, seed=2024)
    res = evaluate(pop)  # warm-up, and the figures below
    compute_s, compute_cpu = timed(lambda: evaluate(pop), repeats)
    numpy_s, numpy_cpu = timed(lambda: bare_numpy(pop), max(repeats, 5))
    gc.collect()
    tracemalloc.start()
    evaluate(pop)
    peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  n={n}: {len(pop.facts)} facts, {len(res.event)} lines, {len(res.rejected_event)} rejections, "
          f"{int((res.capped_by == 1).sum())} item-capped, {int((res.capped_by == 2).sum())} annual-capped; "
          f"maxrss_mb={maxrss_mb:.0f}; cpu: compute {compute_cpu:.3f} s, numpy {numpy_cpu:.4f} s "
          f"(ratio {compute_cpu / numpy_cpu:.1f}); load average {os.getloadavg()[0]:.2f}")
    return (f"engine n={n} compute_s={compute_s:.3f} peak_mb={peak_mb:.0f} numpy_s={numpy_s:.4f} "
            f"ratio={compute_s / numpy_s:.1f}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, help="one population size (default: 10^4, 10^5, 10^6)")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    sizes = [args.n] if args.n else [10**4, 10**5, 10**6]
    lines = []
    for n in sorted(sizes):
        lines.append(run(n, args.repeats))
        print(lines[-1], flush=True)
    print(lines[-1])


if __name__ == "__main__":
    main()
