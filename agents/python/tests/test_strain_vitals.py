"""The agent's own tests: python3 -m unittest discover agents/python/tests"""

import asyncio
import gzip
import json
import os
import sys
import time
import unittest
import unittest.mock
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import strain_vitals  # noqa: E402


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
        return r.read()


def varints(buf):
    """The varint fields of a protobuf message: (field, value) pairs, the
    length-delimited ones as (field, bytes)."""
    i, out = 0, []
    while i < len(buf):
        key, i = read_varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            v, i = read_varint(buf, i)
            out.append((field, v))
        elif wire == 2:
            n, i = read_varint(buf, i)
            out.append((field, buf[i : i + n]))
            i += n
        else:
            raise ValueError(f"wire type {wire}")
    return out


def read_varint(buf, i):
    shift = v = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def function_names(profile):
    fields = varints(gzip.decompress(profile))
    strings = [b.decode() for f, b in fields if f == 6]
    names = []
    for f, b in fields:
        if f == 5:
            fn = dict(varints(b))
            names.append(strings[fn.get(2, 0)])
    samples = [b for f, b in fields if f == 2]
    return strings, names, samples


async def leaked_forever(event):
    await event.wait()


def block_the_loop(seconds):
    time.sleep(seconds)


class AgentTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.agent = await strain_vitals.start(port=0, block_threshold=0.05)
        self.loop = asyncio.get_running_loop()

    async def asyncTearDown(self):
        self.agent.stop()

    async def fetch(self, path):
        return await self.loop.run_in_executor(None, get, self.agent.port, path)

    async def test_lag_histogram_holds_a_blocked_loop(self):
        await asyncio.sleep(0.1)
        block_the_loop(0.2)
        await asyncio.sleep(0.05)
        reading = json.loads(await self.fetch("/debug/strain"))
        self.assertEqual(reading["runtime"], "python")
        buckets = reading["sched_latency"]["buckets"]
        # The probe woke about 0.2 s late once: a bucket within 9% of it.
        late = [b for b in buckets if b["hi"] >= 0.19 and b["lo"] <= 0.21]
        self.assertTrue(late, buckets)
        for b in buckets:
            self.assertLess(b["lo"], b["hi"])
            self.assertLessEqual(b["hi"] / b["lo"], 1.1)

    async def test_tasks_are_counted_by_coroutine(self):
        event = asyncio.Event()
        tasks = [asyncio.create_task(leaked_forever(event)) for _ in range(25)]
        await asyncio.sleep(0.15)  # the probe counts every tenth turn
        reading = json.loads(await self.fetch("/debug/strain"))
        self.assertGreaterEqual(reading["tasks"], 25)
        self.assertEqual(reading["tasks_by_coroutine"].get("leaked_forever"), 25)
        event.set()
        await asyncio.gather(*tasks)

    async def test_task_dump_is_a_pprof_profile_of_every_task(self):
        event = asyncio.Event()
        tasks = [asyncio.create_task(leaked_forever(event)) for _ in range(7)]
        await asyncio.sleep(0.02)
        strings, names, samples = function_names(await self.fetch("/debug/pprof/goroutine"))
        self.assertEqual(strings[0], "")
        self.assertIn("goroutine", strings)
        self.assertIn("leaked_forever", names)
        self.assertIn("Event.wait", names)  # the chain it awaits, not the task alone
        self.assertNotIn("_all_tasks", names)  # the dump's own task is left out
        self.assertGreaterEqual(len(samples), 7)
        event.set()
        await asyncio.gather(*tasks)

    async def test_watchdog_names_the_blocking_function(self):
        await asyncio.sleep(0.05)
        block_the_loop(0.3)
        await asyncio.sleep(0.02)
        strings, names, samples = function_names(await self.fetch("/debug/pprof/blocking"))
        self.assertIn("block_the_loop", names)
        self.assertIn("blocked", strings)
        # About (0.3 - 0.05) / 0.01 samples, on a busy machine fewer.
        self.assertGreater(len(samples), 0)

    async def test_endpoint_answers_while_the_loop_is_blocked(self):
        start = time.monotonic()
        fut = self.loop.run_in_executor(None, get, self.agent.port, "/debug/strain")
        block_the_loop(0.3)  # the server thread answers meanwhile
        body = await fut
        self.assertEqual(json.loads(body)["runtime"], "python")
        self.assertGreaterEqual(time.monotonic() - start, 0.3)

    async def test_memory_it_cannot_read_is_left_out(self):
        # An OS without /proc/self/statm: the agent cannot read its RSS,
        # and says nothing of it rather than 0.
        def no_proc(*args, **kwargs):
            raise FileNotFoundError(args[0] if args else "")

        with unittest.mock.patch("strain_vitals.open", no_proc, create=True):
            reading = json.loads(await self.fetch("/debug/strain"))
        self.assertNotIn("total_memory_bytes", reading)
        reading = json.loads(await self.fetch("/debug/strain"))
        self.assertGreater(reading["total_memory_bytes"], 0)

    async def test_unknown_path_is_404(self):
        with self.assertRaises(urllib.error.HTTPError) as cm:
            await self.fetch("/nope")
        self.assertEqual(cm.exception.code, 404)


if __name__ == "__main__":
    unittest.main()
