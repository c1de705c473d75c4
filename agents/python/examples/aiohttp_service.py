"""An aiohttp service with strain_vitals on, for strain's tests:

    /             answers at once
    /block?ms=N   blocks the event loop for N ms (block_the_loop)
    /busy?ms=N    burns N ms of CPU on the loop in many short calls
                  (rank_candidates calling score_candidate)
    /leak         starts a task that never ends (leaked_task)
    /hold?kb=N    keeps N KiB for good (remember_session); with
                  --heap-frames N the agent's heap profile shows them

Run: python3 aiohttp_service.py [--agent-port A] [--seconds S] [--heap-frames N]. It prints
"listening PORT AGENT_PORT" once both listen.
"""

import argparse
import asyncio
import os
import socket
import sys
import time

from aiohttp import web

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import strain_vitals  # noqa: E402
from cpu_work import rank_candidates  # noqa: E402

_leaked = asyncio.Event()


def block_the_loop(ms):
    time.sleep(ms / 1000)


async def leaked_task():
    await _leaked.wait()


async def ok(request):
    return web.Response(text="ok\n")


async def block(request):
    block_the_loop(min(float(request.query.get("ms", "10")), 10_000))
    return web.Response(text="ok\n")


async def busy(request):
    rank_candidates(min(float(request.query.get("ms", "5")), 1_000))
    return web.Response(text="ok\n")


_sessions = []


def remember_session(kb):
    _sessions.append(bytearray(kb * 1024))


async def hold(request):
    remember_session(min(int(request.query.get("kb", "1")), 1 << 20))
    return web.Response(text="ok\n")


async def leak(request):
    asyncio.get_running_loop().create_task(leaked_task())
    return web.Response(text="ok\n")


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent-port", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--no-agent", action="store_true")
    ap.add_argument("--heap-frames", type=int, default=0, help="the agent's heap profile, keeping N frames a stack (tracemalloc)")
    args = ap.parse_args()
    app = web.Application()
    app.add_routes([web.get("/", ok), web.get("/block", block), web.get("/busy", busy), web.get("/leak", leak), web.get("/hold", hold)])
    if not args.no_agent:
        app.on_startup.append(strain_vitals.aiohttp_startup(args.agent_port, heap_frames=args.heap_frames))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    site = web.SockSite(runner, sock)
    await site.start()
    agent = app.get("strain_vitals")
    print(f"listening {sock.getsockname()[1]} {agent.port if agent else 0}", flush=True)
    await asyncio.sleep(args.seconds)
    if agent:
        agent.stop()
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
