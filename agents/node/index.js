'use strict';
// strain-vitals: strain's runtime endpoint for a Node service.
//
//   const agent = await require('strain-vitals').start({ port: 6062 });
//
// serves, on 127.0.0.1:PORT (its own port, off the service's routes):
//
//   /debug/strain                 the runtime endpoint's JSON (the schema of
//                                 strain's Go package vitals, "runtime": "node")
//   /debug/pprof/profile?seconds=N  a CPU profile (node:inspector's Profiler) as pprof
//   /debug/pprof/heap             the sampling heap profiler's live samples as pprof
//   /debug/pprof/goroutine        the active resources by type, as a pprof
//                                 goroutine profile (one sample a type)
//   /debug/pprof/blocking?seconds=N  a CPU profile of N seconds (2 unless
//                                 asked), keeping only the stretches in which
//                                 the loop did not go idle for blockThreshold
//
// No dependencies; Node 18 or later.

const http = require('node:http');
const fs = require('node:fs');
const inspector = require('node:inspector');
const { monitorEventLoopDelay, performance, PerformanceObserver, constants } = require('node:perf_hooks');
const { Histogram, foldDelay } = require('./lib/histogram');
const pprof = require('./lib/pprof');

// Defaults; start's options override them.
const DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  resolution: 10, // ms between the loop-delay timer's ticks (monitorEventLoopDelay)
  cpuInterval: 10000, // µs between a CPU profile's samples: 100 a second, as Go's
  blockingInterval: 5000, // µs between the blocking capture's samples, as the Python agent's watchdog: a 20 ms stretch is 4
  heapInterval: 512 * 1024, // bytes between heap samples on average, as Go's MemProfileRate; 0: no heap profile
  blockThreshold: 20, // ms the loop must go without idling for the blocking capture to keep it
  blockingSeconds: 2, // how long the blocking capture profiles when not asked
};

// Bounds on what a request may ask for.
const MAX_SECONDS = 60;
const MAX_TYPES = 50; // distinct resource types served

// The GC kinds, by perf_hooks' constants.
const GC_KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

class Agent {
  constructor(opts) {
    this.opts = { ...DEFAULTS, ...opts };
    this.lag = new Histogram();
    this.gcPauses = new Histogram();
    this.gcByKind = {};
    this.gcCycles = 0;
    this.busy = { cpu: false, blocking: false };
    this.server = null;
    this.port = 0;
  }

  // --- measuring -------------------------------------------------------
  open() {
    this.delay = monitorEventLoopDelay({ resolution: this.opts.resolution });
    this.delay.enable();
    this.gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) this.gcSeen(e);
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
    this.session = new inspector.Session();
    this.session.connect();
    if (this.opts.heapInterval > 0) {
      this.post('HeapProfiler.startSampling', { samplingInterval: this.opts.heapInterval }).catch(() => {
        this.heapOff = 'the sampling heap profiler did not start';
      });
    }
  }

  gcSeen(e) {
    const seconds = e.duration / 1e3;
    const kind = GC_KINDS[(e.detail && e.detail.kind) ?? e.kind] || 'other';
    this.gcPauses.add(seconds);
    (this.gcByKind[kind] ||= new Histogram()).add(seconds);
    this.gcCycles++;
  }

  // post sends an inspector command on the agent's session.
  post(method, params) {
    return post(this.session, method, params);
  }

  // --- what it serves ----------------------------------------------------
  // reading is the runtime endpoint's JSON, as an object. What the agent
  // cannot measure it leaves out: a 0 would read as a process without it.
  reading() {
    foldDelay(this.lag, this.delay, this.opts.resolution * 1e6);
    this.delay.reset();
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    const elu = performance.eventLoopUtilization();
    const types = resourceTypes();
    const byKind = {};
    for (const [k, h] of Object.entries(this.gcByKind)) byKind[k] = { buckets: h.buckets() };
    const out = {
      runtime: 'node',
      time: new Date().toISOString(),
      tasks: [...types.values()].reduce((a, b) => a + b, 0),
      tasks_by_type: Object.fromEntries([...types].slice(0, MAX_TYPES)),
      gc_cycles: this.gcCycles,
      process_cpu_seconds: (cpu.user + cpu.system) / 1e6,
      total_memory_bytes: mem.rss,
      heap_objects_bytes: mem.heapUsed,
      heap_total_bytes: mem.heapTotal,
      loop_active_seconds: elu.active / 1e3,
      loop_idle_seconds: elu.idle / 1e3,
      sched_latency: { buckets: this.lag.buckets() },
      gc_pauses: { buckets: this.gcPauses.buckets() },
      gc_pauses_by_kind: byKind,
    };
    const threads = threadCount();
    if (threads !== undefined) out.threads = threads;
    return out;
  }

  // cpuProfile profiles the CPU for seconds, a sample every interval µs,
  // on an inspector session of its own (so that a CPU profile and a
  // blocking capture may run at once), and returns V8's profile and the
  // time it started (ms since the epoch).
  async cpuProfile(seconds, interval) {
    const session = new inspector.Session();
    session.connect();
    try {
      await post(session, 'Profiler.enable');
      await post(session, 'Profiler.setSamplingInterval', { interval });
      const started = Date.now();
      await post(session, 'Profiler.start');
      await sleep(seconds * 1e3);
      const { profile } = await post(session, 'Profiler.stop');
      return { profile, started };
    } finally {
      session.disconnect();
    }
  }

  async heapProfile() {
    if (this.opts.heapInterval <= 0 || this.heapOff) throw new Error(this.heapOff || 'heap profiling is off (heapInterval: 0)');
    const { profile } = await this.post('HeapProfiler.getSamplingProfile');
    return pprof.fromHeapProfile(profile, this.opts.heapInterval).encode();
  }

  // --- serving -----------------------------------------------------------
  async handle(req, res) {
    const url = new URL(req.url, 'http://agent');
    switch (url.pathname) {
      case '/debug/strain':
        return send(res, 200, 'application/json', JSON.stringify(this.reading()));
      case '/debug/pprof/profile':
        return this.timed(res, url, 'cpu', 30, this.opts.cpuInterval, (p) => pprof.fromCpuProfile(p, this.opts.cpuInterval), 'CPU profiling');
      case '/debug/pprof/blocking':
        return this.timed(res, url, 'blocking', this.opts.blockingSeconds, this.opts.blockingInterval,
          (p) => pprof.fromBlocking(p, this.opts.blockingInterval, this.opts.blockThreshold * 1e3), 'the blocking capture');
      case '/debug/pprof/heap':
        return send(res, 200, 'application/octet-stream', await this.heapProfile());
      case '/debug/pprof/goroutine':
        return send(res, 200, 'application/octet-stream', pprof.fromResources([...resourceTypes()].slice(0, MAX_TYPES)).encode());
      case '/debug/pprof':
      case '/debug/pprof/':
        return send(res, 200, 'text/plain', 'profile\nheap\ngoroutine\nblocking\n');
      default:
        return send(res, 404, 'text/plain', 'not found\n');
    }
  }

  // timed serves a CPU profile of ?seconds= (def when not asked), sampled
  // every interval µs, converted by convert; one at a time of each kind,
  // as net/http/pprof serves one CPU profile at a time.
  async timed(res, url, kind, def, interval, convert, what) {
    const seconds = parseSeconds(url.searchParams.get('seconds'), def);
    if (seconds === null) {
      return send(res, 400, 'text/plain', `bad seconds: want a whole number from 1 to ${MAX_SECONDS}\n`);
    }
    if (this.busy[kind]) return send(res, 500, 'text/plain', `Could not enable ${what}: already in use\n`);
    this.busy[kind] = true;
    try {
      const { profile, started } = await this.cpuProfile(seconds, interval);
      const b = convert(profile);
      b.timeNanos = BigInt(started) * 1000000n;
      send(res, 200, 'application/octet-stream', b.encode());
    } finally {
      this.busy[kind] = false;
    }
  }

  listen() {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err) => send(res, 500, 'text/plain', `${err.message}\n`));
    });
    // The agent's own handles keep no process alive and count in no
    // reading: process.getActiveResourcesInfo leaves unref'd ones out.
    this.server.on('connection', (sock) => sock.unref());
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.unref();
        this.port = this.server.address().port;
        resolve(this);
      });
    });
  }

  // close stops the server and everything the agent measures with.
  async close() {
    this.delay?.disable();
    this.gcObserver?.disconnect();
    if (this.session) {
      await this.post('HeapProfiler.stopSampling').catch(() => {});
      this.session.disconnect();
      this.session = null;
    }
    if (this.server) {
      this.server.closeAllConnections?.();
      await new Promise((resolve) => this.server.close(() => resolve()));
      this.server = null;
    }
  }
}

function post(session, method, params) {
  return new Promise((resolve, reject) => {
    session.post(method, params || {}, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}

// parseSeconds is ?seconds= as a whole number from 1 to MAX_SECONDS, def
// when absent, or null.
function parseSeconds(raw, def) {
  if (raw === null || raw === '') return def;
  if (!/^[0-9]{1,3}$/.test(raw)) return null;
  const n = Number(raw);
  return n >= 1 && n <= MAX_SECONDS ? n : null;
}

// resourceTypes counts the active resources by type, most first.
function resourceTypes() {
  const counts = new Map();
  const info = typeof process.getActiveResourcesInfo === 'function' ? process.getActiveResourcesInfo() : [];
  for (const t of info) counts.set(t, (counts.get(t) || 0) + 1);
  return new Map([...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
}

// threadCount is the process's threads, where /proc says.
function threadCount() {
  try {
    const m = /^Threads:\s+(\d+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function send(res, code, type, body) {
  if (res.headersSent) return res.end();
  res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

// start starts the agent: it measures from now and serves on
// opts.host (127.0.0.1) and opts.port (0 picks one: agent.port says
// which). The promise resolves to the agent; agent.close() stops it.
async function start(opts = {}) {
  const agent = new Agent(opts);
  agent.open();
  try {
    return await agent.listen();
  } catch (err) {
    await agent.close();
    throw err;
  }
}

module.exports = { start, Agent, DEFAULTS, MAX_SECONDS };
