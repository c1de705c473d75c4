"""strain_vitals: strain's runtime endpoint for a Python asyncio service.

Call it once inside the running event loop::

    import strain_vitals
    await strain_vitals.start(port=6061)

and point strain at it: ``strain run URL --watch http://127.0.0.1:6061``.
It serves, from a thread of its own on 127.0.0.1:PORT (so that it answers
while the loop is blocked):

``/debug/strain``
    the runtime endpoint's JSON, the schema of strain's Go package vitals
    with ``"runtime": "python"``: the event loop's lag as a histogram
    (``sched_latency``: how long ready work waited to run), the tasks (by
    coroutine), GC collections and pauses, threads, the process's CPU time
    and resident memory.
``/debug/strain/lag``
    the probe's last readings, raw: ``[[unix seconds, lag seconds], ...]``,
    to check what the histogram makes of them.
``/debug/pprof/goroutine``
    a task dump as a pprof profile: every task with its coroutine stack,
    one sample each, so that ``strain profile top`` and ``strain profile
    leaks`` (and ``go tool pprof``) read it as they read Go's goroutines.
``/debug/pprof/blocking``
    the blocked-loop watchdog's samples as a pprof profile: whenever the
    loop has not turned for longer than ``block_threshold`` (20 ms), a
    thread samples the loop thread's stack every ``sample_every`` (5 ms);
    the stacks it saw, counted since the start. Its top names the function that blocked
    the loop.
``/debug/pprof/profile?seconds=N``
    a CPU profile of the process's threads over N seconds (default 30, at
    most 300), the loop's thread first: a thread of the request's own reads
    every thread's stack (``sys._current_frames``) and the CPU time each
    ran since its last look (its CPU clock, ``pthread_getcpuclockid``: not
    on macOS, where it answers 501) 49 times a second, and charges that
    time to the stack. Sample types
    ``samples/count`` and ``cpu/nanoseconds``, each sample labelled with its
    thread, as ``go tool pprof`` reads Go's. One at a time: a second
    request meanwhile gets 500. Nothing samples when nobody asks. While
    it looks, the GIL's switch interval is 50 µs, so that looks land in a
    busy handler's work rather than at its next write; the service's own
    comes back after.
    A C call that releases the GIL is charged to the Python function that
    made it.
``/debug/pprof/heap``
    when asked for (``start(heap_frames=N)``, or ``PYTHONTRACEMALLOC=N``;
    off by default, as tracemalloc slows every allocation): what the
    Python heap holds now, by the stack that allocated it, from a
    tracemalloc snapshot, as a pprof heap profile (``inuse_objects``,
    ``inuse_space``). tracemalloc records files and lines; the function
    of each line is read from its file's text.

Standard library only; Python 3.9 or later.
"""

import asyncio
import bisect
import collections
import functools
import gc
import gzip
import itertools
import json
import linecache
import operator
import os
import re
import sys
import threading
import time
import tracemalloc
import urllib.parse
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["start", "aiohttp_startup", "Agent"]

# The lag histogram's buckets: 8 to an octave (edges 9% apart), from 1µs
# to about 70 s; a lag below the first edge counts in the first bucket.
_EDGES = [1e-6 * 2 ** (i / 8) for i in range(8 * 26 + 1)]

# Bounds on what the endpoint serves, whatever the service holds.
_MAX_CORO_NAMES = 50  # distinct coroutine names counted
_MAX_TASKS_DUMPED = 100_000  # tasks in one dump
_MAX_DEPTH = 64  # frames of one stack
_MAX_RECENT = 100_000  # the probe's last readings kept raw (about 17 minutes)


class _Histogram:
    """Counts of values in the buckets of _EDGES, cumulative; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts = [0] * (len(_EDGES) - 1)

    def add(self, seconds):
        i = bisect.bisect_right(_EDGES, seconds) - 1
        i = min(max(i, 0), len(self._counts) - 1)
        with self._lock:
            self._counts[i] += 1

    def buckets(self):
        with self._lock:
            counts = list(self._counts)
        return [
            {"lo": _EDGES[i], "hi": _EDGES[i + 1], "n": n}
            for i, n in enumerate(counts)
            if n
        ]


def _coro_stack(coro):
    """A coroutine's awaiting chain as (function, file, line), outermost
    first: the task's stack where it is suspended."""
    out = []
    while coro is not None and len(out) < _MAX_DEPTH:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            break
        code = frame.f_code
        out.append((getattr(code, "co_qualname", code.co_name), code.co_filename, frame.f_lineno))
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return out


class _Pprof:
    """Builds a pprof profile (profile.proto, gzipped) from stacks."""

    def __init__(self, sample_types, period=None, duration_ns=0):
        self._strings = {"": 0}
        self._functions = {}
        self._locations = {}
        self._samples = []
        self._types = [(self._str(t), self._str(u)) for t, u in sample_types]
        # period: (type, unit, value), what one sample stands for.
        self._period = None if period is None else (self._str(period[0]), self._str(period[1]), period[2])
        self._duration_ns = duration_ns

    def _str(self, s):
        if s not in self._strings:
            self._strings[s] = len(self._strings)
        return self._strings[s]

    def _location(self, fn, filename, line):
        key = (fn, filename, line)
        if key not in self._locations:
            fkey = (fn, filename)
            if fkey not in self._functions:
                self._functions[fkey] = len(self._functions) + 1
            self._locations[key] = len(self._locations) + 1
        return self._locations[key]

    def add(self, stack, values, labels=()):
        """stack: innermost first; labels: (key, value) strings."""
        labels = b"".join(_bytes(3, _int(1, self._str(k)) + _int(2, self._str(v))) for k, v in labels)
        self._samples.append(([self._location(*f) for f in stack], values, labels))

    def encode(self):
        out = bytearray()
        for t, u in self._types:
            _field(out, 1, _msg(_int(1, t) + _int(2, u)))
        for locs, values, labels in self._samples:
            _field(out, 2, _msg(_packed(1, locs) + _packed(2, values) + labels))
        for (fn, filename, line), lid in self._locations.items():
            line_msg = _int(1, self._functions[(fn, filename)]) + _int(2, line)
            _field(out, 4, _msg(_int(1, lid) + _bytes(4, line_msg)))
        for (fn, filename), fid in self._functions.items():
            name = self._str(fn)
            _field(out, 5, _msg(_int(1, fid) + _int(2, name) + _int(3, name) + _int(4, self._str(filename))))
        for s in sorted(self._strings, key=self._strings.get):
            _field(out, 6, s.encode("utf-8", "replace"))
        out += _int(9, time.time_ns())
        out += _int(10, self._duration_ns)
        if self._period is not None:
            t, u, n = self._period
            _field(out, 11, _msg(_int(1, t) + _int(2, u)))
            out += _int(12, n)
        return gzip.compress(bytes(out))


def _varint(n):
    n &= (1 << 64) - 1  # int64 as protobuf writes it
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _int(field, n):
    return _varint(field << 3) + _varint(n) if n else b""


def _bytes(field, b):
    return _varint(field << 3 | 2) + _varint(len(b)) + b


def _field(out, field, b):
    out += _bytes(field, b)


def _msg(b):
    return bytes(b)


def _packed(field, ns):
    return _bytes(field, b"".join(_varint(n) for n in ns)) if ns else b""


# The CPU profile's rate and bounds. 49 looks a second: at 99 a CPU-bound
# loop lost 3.4% of its work, at 49 2.5% (scripts/python-profile-cost.py);
# not 50, so that the looks do not fall in step with work done every 10 ms
# (the probe's).
_PROFILE_HZ = 49
_PROFILE_SECONDS = 30  # when the request does not say
_MAX_PROFILE_SECONDS = 300
_MAX_STACKS = 50_000  # distinct stacks one profile holds
_SWITCH_INTERVAL = 0.00005  # seconds: the GIL's switch interval while profiling


class _Switch:
    """The GIL's switch interval, lowered while a CPU profile's sampler
    waits for the GIL, and the service's own while it holds it. A look at
    the stacks needs the GIL, which a busy thread gives up at its next
    blocking call (a socket's write) or once the interval has passed (5 ms
    by default): with the default, the CPU-bound work of a handler shorter
    than that is charged to the write that ends it. At 50 µs, a look lands
    near its time (on a busy machine the thread that looks waits for a core
    too: 0.2 ms still left most looks at the writes). Left at 50 µs while
    the sampler works, the loop takes the GIL back every 50 µs, with a
    switch of threads each time (a look's CPU went from 245 to 192 µs when
    it was raised meanwhile). Counted, so that the agents of several loops in one process, profiling
    at once, give back the interval the service had."""

    def __init__(self):
        self._lock = threading.Lock()
        self._n = 0
        self._saved = None

    def enter(self):
        with self._lock:
            if self._n == 0:
                self._saved = sys.getswitchinterval()
            self._n += 1

    def leave(self):
        with self._lock:
            self._n -= 1
            if self._n == 0:
                sys.setswitchinterval(self._saved)

    def fast(self):
        """Before the sampler sleeps: its next wait for the GIL is short."""
        sys.setswitchinterval(min(self._saved, _SWITCH_INTERVAL))

    def slow(self):
        """Once it holds the GIL: the service's own interval."""
        sys.setswitchinterval(self._saved)


_switch = _Switch()  # the interval is the process's


class ProfilingBusy(Exception):
    """A CPU profile was asked for while another was being taken."""


# The stacks of every thread, taken in one call into C: a look (built by
# _look_pipeline) that runs no Python bytecode from sys._current_frames() to
# the last frame read. Bytecode may hand the GIL to another thread, which
# then pops the frames being read: CPython 3.11 crashed (SIGSEGV in
# frame.f_back) when a look read the loop thread's frames after a call that
# let it run. Frames are read only here; what the look keeps is code
# objects and line numbers.
_NOT_NONE = functools.partial(operator.is_not, None)
_CODE_LINE = operator.attrgetter("f_code", "f_lineno")


def _one_look():
    """An iterator that looks at the threads once, when first pulled: a
    fresh sys._current_frames() inside the C call that pulls it."""
    return itertools.islice(iter(sys._current_frames, None), 1)


def _walk(frames):
    """The stacks of frames (each a thread's innermost frame, or None), as
    a lazy chain of C calls."""
    backs = ("f_back",) * (_MAX_DEPTH - 1)
    chains = map(itertools.accumulate, map(itertools.chain, zip(frames), itertools.repeat(backs)), itertools.repeat(getattr))
    return map(tuple, map(map, itertools.repeat(_CODE_LINE), map(itertools.takewhile, itertools.repeat(_NOT_NONE), chains)))


def _all_stacks(idents=None):
    """The stacks of the threads idents (all when None) as (code, line)
    pairs, innermost first, by thread ident: a look at one instant (an
    ident that has ended has an empty stack)."""
    gc_on = gc.isenabled()
    gc.disable()  # a collection runs Python (finalizers, gc.callbacks)
    try:
        # The one call, dict(), pulls the lazy chain; all of it is C.
        if idents is None:
            a, b = itertools.tee(itertools.chain.from_iterable(map(dict.items, _one_look())))
            return dict(zip(map(operator.itemgetter(0), a), _walk(map(operator.itemgetter(1), b))))
        idents = list(idents)
        frames = itertools.chain.from_iterable(map(map, map(operator.attrgetter("get"), _one_look()), itertools.repeat(idents)))
        return dict(zip(idents, _walk(frames)))
    finally:
        if gc_on:
            gc.enable()


def _cpu_clocks(skip):
    """The CPU time each thread but those in skip has run, in ns, by ident:
    its CPU clock as the kernel counts it, read in the call that lists the
    threads, so that none ends between (pthread_getcpuclockid reads the
    thread's own record); no GIL given up (a file in /proc would, to every
    thread waiting)."""
    a, b = itertools.tee(itertools.filterfalse(skip.__contains__, itertools.chain.from_iterable(map(iter, _one_look()))))
    return dict(zip(a, map(time.clock_gettime_ns, map(time.pthread_getcpuclockid, b))))


def _named(stack):
    return [(getattr(code, "co_qualname", code.co_name), code.co_filename, line) for code, line in stack]


# The agent's own file: a thread of the agent's (a request to it being
# served) is strain looking, not the service's work.
_OWN_FILE = _all_stacks.__code__.co_filename


class _CPUProfile:
    """One CPU profile being taken: at each look, the CPU time every thread
    ran since the last is charged to the stack it is in now."""

    def __init__(self, loop_thread, skip, hz=_PROFILE_HZ):
        self.loop_thread = loop_thread
        self.skip = skip  # idents of threads left out: the sampler's, the agent's own
        self.period = 1.0 / hz
        self.stacks = {}  # (thread name, stack) -> [samples, cpu ns]
        self.last = {}  # thread ident -> CPU ns at the last look
        self.names = {}

    def take(self, seconds, stop):
        """Looks until seconds have passed or stop is set; returns the
        profile, pprof-encoded."""
        start = time.monotonic()
        end = start + seconds
        _switch.enter()
        try:
            self.look()  # where each thread's clock starts
            at = start
            while True:
                at += self.period
                now = time.monotonic()
                if at < now:  # fell behind (the GIL, a busy machine): no catching up
                    at = now
                if at > end:
                    break
                # time.sleep, not stop.wait: an Event's wait costs twice
                # the CPU (66 µs a wait here, against 33).
                _switch.fast()
                time.sleep(at - now)
                _switch.slow()
                if stop.is_set():
                    break
                self.look()
        finally:
            _switch.leave()
        return self.encode(time.monotonic() - start)

    def look(self):
        try:
            clocks = _cpu_clocks(self.skip)
        except OSError:
            return  # a thread ended as its clock was read: the next look
        ran = {}
        for ident, cpu in clocks.items():
            ran[ident] = cpu - self.last.get(ident, cpu)
            self.last[ident] = cpu
        # Only the threads that ran are walked (idle ones cost a clock read),
        # the loop's first: its samples lead the profile.
        busy = sorted((i for i, ns in ran.items() if ns > 0), key=lambda i: i != self.loop_thread)
        if not busy:
            return
        for ident, stack in _all_stacks(busy).items():
            if ident != self.loop_thread and any(code.co_filename == _OWN_FILE for code, _ in stack):
                continue
            key = (self._thread_name(ident), stack)
            counts = self.stacks.get(key)
            if counts is None:
                if len(self.stacks) >= _MAX_STACKS:
                    key = (key[0], ())  # counted, at no stack
                counts = self.stacks.setdefault(key, [0, 0])
            counts[0] += 1
            counts[1] += ran[ident]

    def _thread_name(self, ident):
        if ident == self.loop_thread:
            return "loop"
        if ident not in self.names:
            self.names = {t.ident: t.name for t in threading.enumerate()}
        return self.names.get(ident, str(ident))

    def encode(self, took):
        period = int(self.period * 1e9)
        p = _Pprof([("samples", "count"), ("cpu", "nanoseconds")], ("cpu", "nanoseconds", period), int(took * 1e9))
        for (thread, stack), (n, ns) in self.stacks.items():
            p.add(_named(stack) or [("(no stack: too many distinct stacks)", "", 0)], [n, ns], [("thread", thread)])
        return p.encode()


def heap_profile():
    """What the Python heap holds now, by the stack that allocated it, as a
    pprof heap profile; None when tracemalloc is not tracing."""
    if not tracemalloc.is_tracing():
        return None
    # Grouped first, then the agent's own and tracemalloc's left out:
    # Snapshot.filter_traces looks at each trace in Python, 0.1 ms each.
    own = {tracemalloc.__file__, linecache.__file__, _OWN_FILE}
    stats = [st for st in tracemalloc.take_snapshot().statistics("traceback") if st.traceback[-1].filename not in own]
    stats = stats[:_MAX_STACKS]  # the largest first
    p = _Pprof([("inuse_objects", "count"), ("inuse_space", "bytes")], ("space", "bytes", 1))
    names = _LineFunctions()
    for st in stats:
        stack = [(names.of(f.filename, f.lineno), f.filename, f.lineno) for f in reversed(st.traceback)]
        p.add(stack, [st.count, st.size])
    return p.encode()


class _LineFunctions:
    """The function each line of a file is in, as tracemalloc records only
    files and lines: the nearest ``def`` above the line and left of it,
    within its classes and functions ("Class.method"), read from the
    file's text (a syntax tree costs half a second a file with tracemalloc
    on); "<module>" outside any, "file:line" where the file cannot be
    read."""

    def __init__(self):
        self._names = {}

    def of(self, filename, line):
        key = (filename, line)
        if key not in self._names:
            self._names[key] = _function_at(linecache.getlines(filename), line) or f"{os.path.basename(filename)}:{line}"
        return self._names[key]


_DEF = re.compile(r"(?:async\s+)?def\s+(\w+)|class\s+(\w+)")


def _function_at(lines, line):
    if not 1 <= line <= len(lines):
        return None
    names = []
    text = lines[line - 1]
    limit = len(text) - len(text.lstrip()) if text.strip() else 1 << 30
    for text in reversed(lines[: line - 1]):
        stripped = text.lstrip()
        indent = len(text) - len(stripped)
        if not stripped or stripped.startswith("#") or indent >= limit:
            continue
        limit = indent  # a block that holds the line: a def, a class, an if…
        m = _DEF.match(stripped)
        if m and (m.group(1) or names):  # a class counts above a def only
            names.append(m.group(1) or m.group(2))
        if indent == 0:
            break
    return ".".join(reversed(names)) or "<module>"


class Agent:
    """The agent of one event loop: its probe, its watchdog, its server."""

    def __init__(self, loop, probe_every=0.01, block_threshold=0.02, sample_every=0.005, heap_frames=0):
        self.loop = loop
        self.probe_every = probe_every
        self.block_threshold = block_threshold
        self.sample_every = sample_every
        self.lag = _Histogram()
        self.recent = collections.deque(maxlen=_MAX_RECENT)  # (wall time, lag): the probe's own readings
        self.gc_pauses = _Histogram()
        self.gc_cycles = 0
        self.heartbeat = time.monotonic()
        self.loop_thread = threading.get_ident()
        self.tasks = {"count": 0, "by_coroutine": {}}
        self.blocked = {}  # stack (innermost first) -> samples
        self.blocked_lock = threading.Lock()
        self._gc_start = None
        self._stop = threading.Event()
        self._probe_task = None
        self._server = None
        self._profiling = threading.Lock()  # one CPU profile at a time
        self.heap_frames = heap_frames
        self._started_tracemalloc = False
        self._own = set()  # the agent's threads: the watchdog's, the server's

    # --- on the loop -------------------------------------------------
    async def _probe(self):
        """Measures the loop's lag: how late a sleep of probe_every wakes.
        Every tenth turn it counts the tasks (on the loop, as asyncio
        requires)."""
        n = 0
        while True:
            t0 = time.monotonic()
            await asyncio.sleep(self.probe_every)
            now = time.monotonic()
            lag = max(now - t0 - self.probe_every, 0.0)
            self.lag.add(lag)
            self.recent.append((time.time(), lag))
            self.heartbeat = now
            n += 1
            if n % 10 == 1:
                self._count_tasks()

    def _count_tasks(self):
        by = {}
        tasks = asyncio.all_tasks(self.loop)
        for t in tasks:
            name = _coro_name(t)
            if name in by or len(by) < _MAX_CORO_NAMES:
                by[name] = by.get(name, 0) + 1
        self.tasks = {"count": len(tasks), "by_coroutine": by}

    # --- GC ----------------------------------------------------------
    def _gc_callback(self, phase, info):
        if phase == "start":
            self._gc_start = time.perf_counter()
        elif phase == "stop" and self._gc_start is not None:
            self.gc_pauses.add(time.perf_counter() - self._gc_start)
            self.gc_cycles += 1
            self._gc_start = None

    # --- the watchdog's thread ---------------------------------------
    def _watch(self):
        # While the loop turns, look every half threshold (each look takes
        # the GIL from a busy loop); while it is blocked, every sample_every.
        # It leaves the GIL's switch interval as it is (_Switch): it runs
        # always, and a lower interval costs every thread that waits on the
        # GIL. A loop late because it is busy, not blocked, has its looks
        # land at its writes: the CPU profile says where it is busy.
        wait = self.block_threshold / 2
        while not self._stop.wait(wait):
            if time.monotonic() - self.heartbeat < self.block_threshold:
                wait = self.block_threshold / 2
                continue
            wait = self.sample_every
            raw = _all_stacks().get(self.loop_thread)
            if raw is None:
                continue
            stack = tuple(_named(raw))
            with self.blocked_lock:
                if stack in self.blocked or len(self.blocked) < _MAX_TASKS_DUMPED:
                    self.blocked[stack] = self.blocked.get(stack, 0) + 1

    # --- what the server serves ----------------------------------------
    def reading(self):
        """The runtime endpoint's JSON, as a dict."""
        tasks = self.tasks
        out = {
            "runtime": "python",
            "time": datetime.now(timezone.utc).isoformat(),
            "tasks": tasks["count"],
            "tasks_by_coroutine": dict(tasks["by_coroutine"]),
            "threads": threading.active_count(),
            "gc_cycles": self.gc_cycles,
            "process_cpu_seconds": time.process_time(),
            "sched_latency": {"buckets": self.lag.buckets()},
            "gc_pauses": {"buckets": self.gc_pauses.buckets()},
        }
        # What the agent cannot measure it leaves out: a 0 would read as
        # a process holding no memory.
        rss = _rss()
        if rss is not None:
            out["total_memory_bytes"] = rss
        return out

    def task_dump(self):
        """Every task and its coroutine stack, as a pprof goroutine profile.
        all_tasks is read on the loop when it answers within a second, and
        from the thread otherwise (a blocked loop's tasks do not move)."""
        tasks = None
        if self.loop.is_running() and threading.get_ident() != self.loop_thread:
            fut = asyncio.run_coroutine_threadsafe(_all_tasks(), self.loop)
            try:
                tasks = fut.result(timeout=1.0)
            except Exception:
                fut.cancel()
        if tasks is None:
            tasks = _all_tasks_unsafe(self.loop)
        p = _Pprof([("goroutine", "count")])
        tasks = [t for t in tasks if not _is_own(t)]
        for t in tasks[:_MAX_TASKS_DUMPED]:
            stack = _coro_stack(t.get_coro())
            stack.reverse()  # pprof: innermost first
            p.add(stack or [(_coro_name(t), "<unknown>", 0)], [1])
        return p.encode()

    def cpu_profile(self, seconds):
        """A CPU profile of the process's threads over seconds, pprof-encoded,
        from the thread that calls it; raises ProfilingBusy while another
        is being taken."""
        if not self._profiling.acquire(blocking=False):
            raise ProfilingBusy("cpu profiling already in use")
        try:
            skip = self._own | {threading.get_ident()}
            return _CPUProfile(self.loop_thread, skip).take(seconds, self._stop)
        finally:
            self._profiling.release()

    def blocking_profile(self):
        """The watchdog's samples, as a pprof profile."""
        with self.blocked_lock:
            blocked = dict(self.blocked)
        p = _Pprof([("samples", "count"), ("blocked", "nanoseconds")])
        step = int(self.sample_every * 1e9)
        for stack, n in blocked.items():
            p.add(list(stack), [n, n * step])
        return p.encode()

    # --- life ----------------------------------------------------------
    def start(self, host, port):
        if self.heap_frames > 0 and not tracemalloc.is_tracing():
            tracemalloc.start(self.heap_frames)
            self._started_tracemalloc = True
        self._probe_task = self.loop.create_task(self._probe())
        gc.callbacks.append(self._gc_callback)
        watchdog = threading.Thread(target=self._watch, name="strain_vitals watchdog", daemon=True)
        watchdog.start()
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
        server = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="strain_vitals server", daemon=True)
        server.start()
        self._own = {watchdog.ident, server.ident}
        return self._server.server_address[1]

    def stop(self):
        self._stop.set()
        if self._started_tracemalloc:
            tracemalloc.stop()
            self._started_tracemalloc = False
        if self._probe_task is not None:
            self._probe_task.cancel()
        if self._gc_callback in gc.callbacks:
            gc.callbacks.remove(self._gc_callback)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _coro_name(task):
    coro = task.get_coro()
    return getattr(coro, "__qualname__", None) or type(coro).__name__


async def _all_tasks():
    return asyncio.all_tasks()


def _is_own(task):
    """Whether task is the agent's own: its probe, or the dump itself."""
    code = getattr(task.get_coro(), "cr_code", None)
    return code in (_all_tasks.__code__, Agent._probe.__code__)


def _all_tasks_unsafe(loop):
    # asyncio.all_tasks iterates a WeakSet the loop may change under it;
    # retried, it settles.
    for _ in range(10):
        try:
            return asyncio.all_tasks(loop)
        except RuntimeError:
            continue
    return set()


def _rss():
    """The process's resident memory in bytes, or None where the OS does
    not say (no /proc/self/statm)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _profile_seconds(path):
    """The seconds a profile request asks for, and an error line if it asks
    for something the agent does not do."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    raw = query.get("seconds", [""])[-1]
    if raw == "":
        return _PROFILE_SECONDS, None
    try:
        seconds = int(raw)
    except ValueError:
        return 0, "seconds: want a whole number of seconds"
    if not 1 <= seconds <= _MAX_PROFILE_SECONDS:
        return 0, f"seconds: want 1 to {_MAX_PROFILE_SECONDS}"
    return seconds, None


def _handler(agent):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path == "/debug/strain":
                self._send(200, "application/json", json.dumps(agent.reading()).encode())
            elif path == "/debug/strain/lag":
                # The probe's own readings, exact, for checking what the
                # histogram makes of them: [[unix seconds, lag seconds]...].
                self._send(200, "application/json", json.dumps(list(agent.recent)).encode())
            elif path == "/debug/pprof/goroutine":
                self._send(200, "application/octet-stream", agent.task_dump())
            elif path == "/debug/pprof/blocking":
                self._send(200, "application/octet-stream", agent.blocking_profile())
            elif path == "/debug/pprof/profile":
                self._profile()
            elif path == "/debug/pprof/heap":
                body = heap_profile()
                if body is None:
                    self._send(404, "text/plain", b"no heap profile: tracemalloc is off (start the agent with heap_frames=N)\n")
                else:
                    self._send(200, "application/octet-stream", body)
            elif path in ("/debug/pprof/", "/debug/pprof"):
                self._send(200, "text/plain", b"goroutine\nblocking\nprofile\n" + (b"heap\n" if tracemalloc.is_tracing() else b""))
            else:
                self._send(404, "text/plain", b"not found\n")

        def _profile(self):
            seconds, err = _profile_seconds(self.path)
            if err:
                self._send(400, "text/plain", err.encode() + b"\n")
            elif not hasattr(time, "pthread_getcpuclockid"):
                self._send(501, "text/plain", b"CPU profiles need per-thread CPU clocks (pthread_getcpuclockid), which this OS lacks\n")
            else:
                try:
                    body = agent.cpu_profile(seconds)
                except ProfilingBusy as e:
                    self._send(500, "text/plain", f"Could not enable CPU profiling: {e}\n".encode())
                    return
                self._send(200, "application/octet-stream", body)

        def _send(self, code, ctype, body):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


async def start(port=6061, host="127.0.0.1", **options):
    """Starts the agent on the running loop and serves it on host:port (port
    0 picks one); returns the Agent, whose ``port`` is where it listens and
    whose ``stop()`` ends it. Options: heap_frames (0, the default: no
    heap profile; N: tracemalloc keeps N frames of each allocation's stack,
    and /debug/pprof/heap serves what the heap holds), probe_every, block_threshold,
    sample_every (seconds)."""
    agent = Agent(asyncio.get_running_loop(), **options)
    agent.port = agent.start(host, port)
    return agent


def aiohttp_startup(port=6061, host="127.0.0.1", **options):
    """An aiohttp on_startup callback that starts the agent on the app's
    loop: ``app.on_startup.append(strain_vitals.aiohttp_startup(6061))``.
    The Agent is kept as ``app["strain_vitals"]``. (A FastAPI or other ASGI
    app calls ``await strain_vitals.start(...)`` in its startup event.)"""

    async def on_startup(app):
        app["strain_vitals"] = await start(port=port, host=host, **options)

    return on_startup
