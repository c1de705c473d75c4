"""An asyncio HTTP service, standard library only, with strain_vitals on,
that walks the asyncio guides' pitfalls on request:

    /             answers at once
    /block?ms=N   blocks the event loop for N ms (block_the_loop: time.sleep)
    /busy?ms=N    burns N ms of CPU on the loop in many short calls
                  (rank_candidates calling score_candidate)
    /leak         starts a task that never ends (leaked_task)

With --scenario it walks them by itself over its run, a quarter each after
a healthy start: a blocked loop, leaked tasks, and unbounded concurrency
(each request fans out 20 tasks, no semaphore: fan_out_unbounded).

Run: python3 service.py [--port P] [--agent-port A] [--seconds S]
[--no-agent] [--scenario]. It
prints "listening PORT AGENT_PORT" once both listen, and ends after S
seconds (default 60) or on SIGINT/SIGTERM.
"""

import argparse
import asyncio
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import strain_vitals  # noqa: E402
from cpu_work import rank_candidates  # noqa: E402

_leaked = asyncio.Event()  # nobody sets it


def block_the_loop(ms):
    time.sleep(ms / 1000)


async def leaked_task():
    await _leaked.wait()


# The scenario's phase, set by scenario(): what "/" does.
_phase = {"name": "healthy"}


async def fan_out_unbounded():
    """Twenty subtasks per request and no semaphore: under load the loop
    runs thousands at once."""

    async def piece():
        await asyncio.sleep(0.05)
        return sum(range(5_000))

    await asyncio.gather(*(piece() for _ in range(20)))


async def scenario(seconds):
    """Walks the asyncio guides' pitfalls over the run, a quarter each after
    a healthy start: a blocked loop, leaked tasks, unbounded concurrency."""
    phases = [
        ("blocked loop: a blocking call on the loop every 100 ms (block_the_loop)", "blocked"),
        ("leaked tasks: 100 tasks a second that never end (leaked_task)", "leaking"),
        ("unbounded concurrency: each request fans out 20 tasks, no semaphore (fan_out_unbounded)", "fanout"),
    ]
    step = seconds / (len(phases) + 1)
    print("   0s  healthy", flush=True)
    await asyncio.sleep(step)
    for i, (say, name) in enumerate(phases):
        print(f"{(i + 1) * step:5.0f}s  {say}", flush=True)
        _phase["name"] = name
        end = time.monotonic() + step
        while time.monotonic() < end:
            if name == "blocked":
                block_the_loop(60)
            elif name == "leaking":
                for _ in range(10):
                    asyncio.get_running_loop().create_task(leaked_task())
            await asyncio.sleep(0.1)


async def handle(reader, writer):
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            headers = {}
            while True:
                h = await reader.readline()
                if h in (b"\r\n", b"\n", b""):
                    break
                k, _, v = h.decode("latin-1").partition(":")
                headers[k.strip().lower()] = v.strip()
            n = int(headers.get("content-length", "0") or 0)
            if n:
                await reader.readexactly(min(n, 1 << 20))
            parts = line.decode("latin-1").split()
            path = parts[1] if len(parts) > 1 else "/"
            route, _, query = path.partition("?")
            if route == "/block":
                ms = float(dict(q.split("=", 1) for q in query.split("&") if "=" in q).get("ms", "10"))
                block_the_loop(min(ms, 10_000))
            elif route == "/busy":
                ms = float(dict(q.split("=", 1) for q in query.split("&") if "=" in q).get("ms", "5"))
                rank_candidates(min(ms, 1_000))
            elif route == "/leak":
                asyncio.get_running_loop().create_task(leaked_task())
            elif _phase["name"] == "fanout":
                await fan_out_unbounded()
            body = b"ok\n"
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\n" + body)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    except asyncio.CancelledError:
        pass  # the service is ending: the connection goes with it, quietly
    finally:
        writer.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8081)
    ap.add_argument("--agent-port", type=int, default=6061)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--no-agent", action="store_true", help="without strain_vitals, to measure what it costs")
    ap.add_argument("--scenario", action="store_true", help="walk the pitfalls over --seconds, saying each as it begins")
    args = ap.parse_args()
    agent = None if args.no_agent else await strain_vitals.start(port=args.agent_port)
    server = await asyncio.start_server(handle, "127.0.0.1", args.port)
    port = server.sockets[0].getsockname()[1]
    print(f"listening {port} {agent.port if agent else 0}", flush=True)
    if args.scenario:
        asyncio.get_running_loop().create_task(scenario(args.seconds))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), args.seconds)
    except asyncio.TimeoutError:
        pass
    server.close()
    if agent:
        agent.stop()


if __name__ == "__main__":
    asyncio.run(main())
