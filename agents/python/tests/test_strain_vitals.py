"""The agent's own tests: python3 -m unittest discover agents/python/tests"""

import asyncio
import gzip
import json
import os
import sys
import threading
import time
import tracemalloc
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


def square_sum(n):
    x = 0
    for i in range(n):
        x += i * i
    return x


def crunch_until(deadline):
    """CPU-bound work spread over many short calls, as a busy handler's."""
    while time.monotonic() < deadline:
        square_sum(200)


def cpu_profile(body):
    """A CPU profile's samples as (thread, [function names, innermost
    first], samples, cpu ns), and its period in ns."""
    fields = varints(gzip.decompress(body))
    strings = [b.decode() for f, b in fields if f == 6]
    fn_names = {}
    for f, b in fields:
        if f == 5:
            fn = dict(varints(b))
            fn_names[fn[1]] = strings[fn.get(2, 0)]
    loc_fn = {}
    for f, b in fields:
        if f == 4:
            loc = dict(varints(b))
            loc_fn[loc[1]] = fn_names[dict(varints(loc[4]))[1]]
    samples = []
    for f, b in fields:
        if f == 2:
            msg = varints(b)
            locs = unpack(dict(msg).get(1, b""))
            values = unpack(dict(msg)[2])
            label = dict(varints(dict(msg).get(3, b"")))
            samples.append((strings[label.get(2, 0)], [loc_fn[i] for i in locs], values[0], values[-1]))
    period = dict(fields).get(12, 0)
    types = [(strings[dict(varints(b)).get(1, 0)], strings[dict(varints(b)).get(2, 0)]) for f, b in fields if f == 1]
    return samples, period, types


def unpack(buf):
    out, i = [], 0
    while i < len(buf):
        v, i = read_varint(buf, i)
        out.append(v)
    return out


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

    async def test_cpu_profile_names_the_function_that_burns_the_loop(self):
        fut = self.loop.run_in_executor(None, get, self.agent.port, "/debug/pprof/profile?seconds=2")
        await asyncio.sleep(0.1)  # the profile has begun
        ran = time.thread_time()
        crunch_until(time.monotonic() + 2.2)  # past the profile's end
        ran = time.thread_time() - ran
        samples, period, types = cpu_profile(await fut)
        self.assertEqual(types, [("samples", "count"), ("cpu", "nanoseconds")])
        self.assertEqual(period, int(1e9 / strain_vitals._PROFILE_HZ))
        loop = [s for s in samples if s[0] == "loop"]
        cpu = sum(s[3] for s in loop)
        hot = sum(s[3] for s in loop if s[1][0] == "square_sum")
        # The loop's thread ran about 2 s of the 2.2 s it burned while the
        # profile looked; its own clock (time.thread_time) says how much.
        self.assertGreater(cpu, 0.8 * 2e9 * ran / 2.2, (cpu, ran))
        self.assertLess(cpu, 1.05 * ran * 1e9, (cpu, ran))
        self.assertGreater(hot / cpu, 0.7, samples)  # the leaf where the time goes
        self.assertTrue(all("crunch_until" in s[1] for s in loop if s[1][0] == "square_sum"))
        # One look every period: about 49 a second for a thread always busy.
        n = sum(s[2] for s in loop)
        self.assertGreater(n, 0.6 * 2 * strain_vitals._PROFILE_HZ, n)
        self.assertLessEqual(n, 2 * strain_vitals._PROFILE_HZ + 2, n)

    async def test_cpu_profile_of_an_idle_service_is_almost_empty(self):
        threads = set(threading.enumerate())
        samples, _, _ = cpu_profile(await self.fetch("/debug/pprof/profile?seconds=1"))
        # The probe wakes 100 times a second; that, and nothing of the
        # agent's own threads (the one sampling, the server's), is all.
        self.assertLess(sum(s[3] for s in samples), 0.1e9, samples)
        self.assertFalse([s for s in samples if any("strain_vitals" in f or "_CPUProfile" in f for f in s[1]) and s[0] != "loop"])
        # Nothing is left running once it is done (but the threads of the
        # loop's executor, which fetched it), and the GIL's switch interval
        # is the service's again.
        await asyncio.sleep(0.05)
        left = [t.name for t in set(threading.enumerate()) - threads if not t.name.startswith("asyncio")]
        self.assertEqual(left, [])
        self.assertEqual(sys.getswitchinterval(), 0.005)

    async def test_one_cpu_profile_at_a_time(self):
        first = self.loop.run_in_executor(None, get, self.agent.port, "/debug/pprof/profile?seconds=1")
        await asyncio.sleep(0.2)
        with self.assertRaises(urllib.error.HTTPError) as cm:
            await self.fetch("/debug/pprof/profile?seconds=1")
        self.assertEqual(cm.exception.code, 500)
        self.assertIn(b"cpu profiling already in use", cm.exception.read())
        await first
        await self.fetch("/debug/pprof/profile?seconds=1")  # free again

    async def test_cpu_profile_seconds_are_bounded(self):
        for seconds in ["0", "301", "-1", "1.5", "x"]:
            with self.subTest(seconds=seconds):
                with self.assertRaises(urllib.error.HTTPError) as cm:
                    await self.fetch("/debug/pprof/profile?seconds=" + seconds)
                self.assertEqual(cm.exception.code, 400)

    async def test_unknown_path_is_404(self):
        with self.assertRaises(urllib.error.HTTPError) as cm:
            await self.fetch("/nope")
        self.assertEqual(cm.exception.code, 404)


_held = []


def hold_sessions(n):
    """Keeps n buffers of 1000 bytes: what the heap profile must find."""
    for _ in range(n):
        _held.append(bytearray(1000))


class HeapTest(unittest.IsolatedAsyncioTestCase):
    async def test_heap_profile_is_off_unless_asked_for(self):
        agent = await strain_vitals.start(port=0)
        self.addCleanup(agent.stop)
        loop = asyncio.get_running_loop()
        with self.assertRaises(urllib.error.HTTPError) as cm:
            await loop.run_in_executor(None, get, agent.port, "/debug/pprof/heap")
        self.assertEqual(cm.exception.code, 404)
        self.assertFalse(tracemalloc.is_tracing())

    async def test_heap_profile_names_what_holds_the_memory(self):
        agent = await strain_vitals.start(port=0, heap_frames=8)
        loop = asyncio.get_running_loop()
        try:
            hold_sessions(2000)
            samples, _, types = cpu_profile(await loop.run_in_executor(None, get, agent.port, "/debug/pprof/heap"))
        finally:
            _held.clear()
            agent.stop()
        self.assertFalse(tracemalloc.is_tracing())  # the agent started it, and stops it
        self.assertEqual(types, [("inuse_objects", "count"), ("inuse_space", "bytes")])
        held = sum(s[3] for s in samples if s[1][0] == "hold_sessions")
        # 2000 buffers of 1000 bytes, each with its object's header.
        self.assertGreaterEqual(held, 2000 * 1000)
        self.assertLess(held, 2000 * 1200)
        self.assertEqual(max(samples, key=lambda s: s[3])[1][0], "hold_sessions")
        self.assertIn("HeapTest.test_heap_profile_names_what_holds_the_memory", max(samples, key=lambda s: s[3])[1])


if __name__ == "__main__":
    unittest.main()
