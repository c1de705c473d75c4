"""An asyncio HTTP service, standard library only, with strain_vitals on,
that walks the asyncio guides' pitfalls on request:

    /             answers at once
    /block?ms=N   blocks the event loop for N ms (block_the_loop: time.sleep)
    /leak         starts a task that never ends (leaked_task)

Run: python3 service.py [--port P] [--agent-port A] [--seconds S]
[--no-agent]. It
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

_leaked = asyncio.Event()  # nobody sets it


def block_the_loop(ms):
    time.sleep(ms / 1000)


async def leaked_task():
    await _leaked.wait()


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
            elif route == "/leak":
                asyncio.get_running_loop().create_task(leaked_task())
            body = b"ok\n"
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\n" + body)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8081)
    ap.add_argument("--agent-port", type=int, default=6061)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--no-agent", action="store_true", help="without strain_vitals, to measure what it costs")
    args = ap.parse_args()
    agent = None if args.no_agent else await strain_vitals.start(port=args.agent_port)
    server = await asyncio.start_server(handle, "127.0.0.1", args.port)
    port = server.sockets[0].getsockname()[1]
    print(f"listening {port} {agent.port if agent else 0}", flush=True)
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
