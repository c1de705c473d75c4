"""A FastAPI service under uvicorn with strain_vitals on, for strain's
tests:

    /             answers at once
    /block?ms=N   blocks the event loop for N ms (block_the_loop)

Run: python3 fastapi_service.py [--agent-port A] [--seconds S]. It prints
"listening PORT AGENT_PORT" once both listen.
"""

import argparse
import asyncio
import os
import socket
import sys
import time

import uvicorn
from fastapi import FastAPI

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import strain_vitals  # noqa: E402

app = FastAPI()
state = {}


def block_the_loop(ms):
    time.sleep(ms / 1000)


@app.get("/")
async def ok():
    return "ok"


@app.get("/block")
async def block(ms: float = 10):
    block_the_loop(min(ms, 10_000))
    return "ok"


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent-port", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=60)
    args = ap.parse_args()
    agent = await strain_vitals.start(port=args.agent_port)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    print(f"listening {sock.getsockname()[1]} {agent.port}", flush=True)
    await asyncio.sleep(args.seconds)
    server.should_exit = True
    await serving
    agent.stop()


if __name__ == "__main__":
    asyncio.run(main())
