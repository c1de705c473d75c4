"""What the agent's CPU profile costs a loop that burns its CPU: the work a
CPU-bound loop gets done per second of the process's CPU time (the
throughput it would have with its core to itself), with a profile being
taken and without, in interleaved rounds. Process CPU counts the sampler's
own; per CPU second, not per wall second, so that other work on a shared
machine moves it less. Run pinned: taskset -c 1 /usr/bin/python3 THIS [rounds] [seconds]."""

import asyncio
import os
import statistics
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "agents", "python"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "agents", "python", "examples"))
import strain_vitals  # noqa: E402
from cpu_work import score_candidate  # noqa: E402


def fetch(port, seconds):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/debug/pprof/profile?seconds={seconds}", timeout=seconds + 30) as r:
        return r.read()


async def burn(seconds):
    """score_candidate calls done by the loop in seconds, turning the loop
    every millisecond or so as a busy service's would."""
    n, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        for _ in range(50):
            score_candidate(n)
            n += 1
        await asyncio.sleep(0)
    return n


async def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    agent = await strain_vitals.start(port=0)
    loop = asyncio.get_running_loop()
    out = {"off": [], "on": []}
    for r in range(rounds):
        for mode in (("off", "on") if r % 2 == 0 else ("on", "off")):
            prof = loop.run_in_executor(None, fetch, agent.port, seconds + 1) if mode == "on" else None
            await asyncio.sleep(0.3)  # the profile has begun
            cpu = time.process_time()
            n = await burn(seconds)
            out[mode].append(n / (time.process_time() - cpu))
            if prof is not None:
                await prof
    agent.stop()
    off, on = statistics.median(out["off"]), statistics.median(out["on"])
    ratios = sorted(b / a for a, b in zip(out["off"], out["on"]))
    print(f"work per CPU second: without a profile {off:,.0f}, profiling {on:,.0f}: {on / off:.3f} (medians of {rounds} rounds of {seconds}s)")
    print("per round: " + " ".join(f"{x:.3f}" for x in ratios))


asyncio.run(main())
