'use strict';
// The agent's own tests: node --test agents/node/test/

const test = require('node:test');
const assert = require('node:assert');
const http = require('node:http');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { execFileSync } = require('node:child_process');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const vitals = require('..');
const { Writer } = require('../lib/proto');
const { Histogram, foldDelay, bucketOf, EDGES } = require('../lib/histogram');
const pprof = require('../lib/pprof');

function get(port, p) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

async function reading(port) {
  const r = await get(port, '/debug/strain');
  assert.strictEqual(r.status, 200);
  return JSON.parse(r.body);
}

function busy(ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {} // eslint-disable-line no-empty
}

function burnTheCPU(ms) {
  busy(ms);
}

const tick = () => new Promise((r) => setImmediate(r));

// procCPU is this process's CPU time in seconds as the kernel counts it:
// utime + stime of /proc/self/stat, in clock ticks.
function procCPU() {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const hz = Number(execFileSync('getconf', ['CLK_TCK']).toString());
  return (Number(f[11]) + Number(f[12])) / hz;
}

const linux = fs.existsSync('/proc/self/stat');

test('start serves on 127.0.0.1, on the port it says, and close stops it', async () => {
  const agent = await vitals.start({ port: 0 });
  assert.ok(agent.port > 0);
  const r = await reading(agent.port);
  assert.strictEqual(r.runtime, 'node');
  for (const k of ['tasks', 'gc_cycles', 'process_cpu_seconds', 'total_memory_bytes', 'heap_objects_bytes', 'loop_active_seconds']) {
    assert.strictEqual(typeof r[k], 'number', k);
  }
  assert.ok(Array.isArray(r.sched_latency.buckets));
  assert.strictEqual((await get(agent.port, '/nowhere')).status, 404);
  await agent.close();
  await assert.rejects(get(agent.port, '/debug/strain'));
});

test('the agent keeps no process alive and counts none of its own handles', async () => {
  const script = `require(${JSON.stringify(path.join(__dirname, '..'))}).start({port: 0}).then(a => console.log(JSON.stringify(process.getActiveResourcesInfo())))`;
  const out = execFileSync(process.execPath, ['-e', script], { timeout: 10000 }).toString();
  assert.deepStrictEqual(JSON.parse(out), []);
});

test('CPU time agrees with /proc/self/stat', { skip: !linux && 'no /proc' }, async () => {
  const agent = await vitals.start({ port: 0 });
  try {
    const a0 = (await reading(agent.port)).process_cpu_seconds;
    const p0 = procCPU();
    burnTheCPU(500);
    const p1 = procCPU();
    const a1 = (await reading(agent.port)).process_cpu_seconds;
    const got = a1 - a0;
    const want = p1 - p0;
    assert.ok(Math.abs(got - want) <= 0.05 * want + 0.03, `agent ${got}s, /proc ${want}s`);
  } finally {
    await agent.close();
  }
});

test('resident memory agrees with /proc/self/status VmRSS', { skip: !linux && 'no /proc' }, async () => {
  const agent = await vitals.start({ port: 0 });
  try {
    const hold = Buffer.alloc(64 << 20, 1); // 64 MiB, touched
    const got = (await reading(agent.port)).total_memory_bytes;
    const want = Number(/^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
    assert.ok(hold.length > 0);
    assert.ok(Math.abs(got - want) <= 0.02 * want, `agent ${got}, VmRSS ${want}`);
  } finally {
    await agent.close();
  }
});

test("the loop's delay agrees with a perf_hooks histogram of its own", async () => {
  const agent = await vitals.start({ port: 0 });
  const own = monitorEventLoopDelay({ resolution: 10 });
  own.enable();
  try {
    // Read in-process, next to the own histogram's reset and its end, so
    // that both cover the same span: a machine that takes the CPU away for
    // a while between the two would show in one and not the other.
    const r0 = agent.reading();
    own.reset();
    for (let i = 0; i < 30; i++) {
      busy(20 + i);
      await new Promise((r) => setTimeout(r, 15));
    }
    const r = agent.reading();
    own.disable();
    // The span's delays: the second reading's buckets less the first's.
    const before = new Map(r0.sched_latency.buckets.map((b) => [b.lo, b.n]));
    const span = r.sched_latency.buckets.map((b) => ({ ...b, n: b.n - (before.get(b.lo) || 0) })).filter((b) => b.n > 0);
    const total = span.reduce((a, b) => a + b.n, 0);
    // The histogram's p99 from the agent's buckets: the bucket that holds it.
    let below = 0;
    let p99 = null;
    for (const b of span) {
      below += b.n;
      if (p99 === null && below >= 0.99 * total) p99 = b;
    }
    // The value of rank ceil(99% of the count), as strain takes a p99 from
    // buckets: the histogram's percentile() rounds the rank to the
    // nearest, and of 59 values gives the 58th where strain means the 59th.
    const want = Math.max(own.percentile((100 * Math.ceil(0.99 * own.count)) / own.count) - 10e6, 0) / 1e9;
    assert.ok(p99.lo <= want * 1.1 + 0.001 && want <= p99.hi * 1.1 + 0.001, `agent p99 in [${p99.lo}, ${p99.hi}], its own ${want}`);
    assert.ok(Math.abs(total - own.count) <= 0.1 * own.count + 3, `agent ${total} delays, its own ${own.count}`);
  } finally {
    await agent.close();
  }
});

test('GC pauses are counted by kind', async () => {
  const agent = await vitals.start({ port: 0 });
  try {
    const before = (await reading(agent.port)).gc_cycles;
    for (let i = 0; i < 50; i++) new Array(1e5).fill({ i }); // garbage: minor collections
    await tick();
    await new Promise((r) => setTimeout(r, 50)); // the observer reports after a turn
    const r = await reading(agent.port);
    assert.ok(r.gc_cycles > before);
    const kinds = Object.values(r.gc_pauses_by_kind).reduce((a, h) => a + h.buckets.reduce((x, b) => x + b.n, 0), 0);
    assert.strictEqual(kinds, r.gc_pauses.buckets.reduce((x, b) => x + b.n, 0));
    assert.ok(r.gc_pauses_by_kind.minor, JSON.stringify(Object.keys(r.gc_pauses_by_kind)));
  } finally {
    await agent.close();
  }
});

test('active resources are the tasks, by type', async () => {
  const agent = await vitals.start({ port: 0 });
  const timers = [];
  try {
    const before = await reading(agent.port);
    for (let i = 0; i < 7; i++) timers.push(setInterval(() => {}, 60000));
    const r = await reading(agent.port);
    assert.strictEqual(r.tasks_by_type.Timeout - (before.tasks_by_type.Timeout || 0), 7);
    assert.strictEqual(r.tasks - before.tasks, 7);
  } finally {
    timers.forEach(clearInterval);
    await agent.close();
  }
});

// strings reads a profile.proto's string table (field 6): enough to see
// the names a profile holds.
function strings(gz) {
  const b = zlib.gunzipSync(gz);
  const out = [];
  let i = 0;
  const varint = () => {
    let n = 0;
    let mul = 1;
    for (;;) {
      const x = b[i++];
      n += (x & 0x7f) * mul;
      if (x < 0x80) return n;
      mul *= 128;
    }
  };
  while (i < b.length) {
    const key = varint();
    const wire = key & 7;
    if (wire === 0) varint();
    else if (wire === 2) {
      const len = varint();
      if (key >> 3 === 6) out.push(b.subarray(i, i + len).toString('utf8'));
      i += len;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

test('the CPU profile names the function that burns the CPU; one at a time; seconds bounded', async () => {
  const agent = await vitals.start({ port: 0 });
  try {
    const pending = get(agent.port, '/debug/pprof/profile?seconds=1');
    await new Promise((r) => setTimeout(r, 100));
    const second = await get(agent.port, '/debug/pprof/profile?seconds=1');
    assert.strictEqual(second.status, 500);
    const stop = Date.now() + 700;
    while (Date.now() < stop) {
      burnTheCPU(30);
      await tick();
    }
    const r = await pending;
    assert.strictEqual(r.status, 200);
    const names = strings(r.body);
    assert.ok(names.includes('burnTheCPU') && names.includes(__filename), names.slice(0, 20).join(' '));
    for (const bad of ['0', '61', 'x', '-1', '1.5']) {
      assert.strictEqual((await get(agent.port, `/debug/pprof/profile?seconds=${bad}`)).status, 400, bad);
    }
  } finally {
    await agent.close();
  }
});

test('the blocking capture keeps the stretches that held the loop', async () => {
  const agent = await vitals.start({ port: 0 });
  try {
    const pending = get(agent.port, '/debug/pprof/blocking?seconds=1');
    await new Promise((r) => setTimeout(r, 100));
    // Eight blocks of 40 ms over the second: the profiler may start late
    // on a busy machine, so at least half must be caught.
    for (let i = 0; i < 8; i++) {
      busy(40);
      await new Promise((r) => setTimeout(r, 50));
    }
    const r = await pending;
    assert.strictEqual(r.status, 200);
    const names = strings(r.body);
    assert.ok(names.includes('busy'), names.join(' '));
    assert.ok(names.some((s) => /^\d+ stretches/.test(s) && Number(s.split(' ')[0]) >= 4), names.join(' '));
  } finally {
    await agent.close();
  }
});

test('the heap profile names what holds the memory', async () => {
  const agent = await vitals.start({ port: 0, heapInterval: 16 * 1024 });
  try {
    const kept = [];
    (function holdTheMemory() {
      for (let i = 0; i < 2000; i++) kept.push(new Array(256).fill(i));
    })();
    const r = await get(agent.port, '/debug/pprof/heap');
    assert.strictEqual(r.status, 200);
    assert.ok(strings(r.body).includes('holdTheMemory'));
    assert.ok(kept.length > 0);
  } finally {
    await agent.close();
  }
});

test('blockedStretches: runs without idle of the threshold or more', () => {
  // root(1) -> idle(2), root -> f(3); samples 1 ms apart.
  const profile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 3] },
      { id: 2, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
      { id: 3, callFrame: { functionName: 'f', url: 'file:///x.js', lineNumber: 4 } },
    ],
    startTime: 0,
    endTime: 100,
    samples: [2, 3, 3, 3, 2, 3, 3, 3, 3, 3, 2],
    timeDeltas: [0, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
  };
  const runs = pprof.blockedStretches(profile, 1000, 4000);
  assert.deepStrictEqual(runs.map((r) => r.length), [5]);
  assert.deepStrictEqual(pprof.frameOf(profile.nodes[2].callFrame), { name: 'f', file: '/x.js', line: 5, startLine: 5 });
});

test('varints as protobuf writes them', () => {
  const hex = (n) => new Writer().varint(n).finish().toString('hex');
  assert.strictEqual(hex(0), '00');
  assert.strictEqual(hex(1), '01');
  assert.strictEqual(hex(300), 'ac02');
  assert.strictEqual(hex(2 ** 53 - 1), 'ffffffffffffff0f');
  assert.strictEqual(hex(-1), 'ffffffffffffffffff01');
  assert.strictEqual(hex(1n << 62n), '808080808080808040');
});

test('foldDelay counts every value, less the resolution, at most the value it could have been', () => {
  const h = new Histogram();
  const delay = { count: 100, max: 40e6, percentiles: new Map([[0, 10e6], [50, 10.1e6], [99, 30e6], [100, 40e6]]) };
  assert.strictEqual(foldDelay(h, delay, 10e6), 100);
  const b = h.buckets();
  assert.strictEqual(b.reduce((a, x) => a + x.n, 0), 100);
  assert.strictEqual(b[b.length - 1].n, 1);
  assert.ok(b[b.length - 1].lo <= 0.03 && b[b.length - 1].hi > 0.03);
  assert.strictEqual(bucketOf(0), 0);
  assert.strictEqual(bucketOf(1e9), EDGES.length - 2);
});

test('npm install ./agents/node, then require("strain-vitals")', { skip: !hasNpm() && 'no npm' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strain-vitals-'));
  try {
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', '--loglevel=error', path.join(__dirname, '..')], { cwd: dir, timeout: 120000 });
    const out = execFileSync(process.execPath, ['-e', "require('strain-vitals').start({port: 0}).then(a => { console.log(a.port > 0); return a.close(); })"], { cwd: dir, timeout: 10000 });
    assert.strictEqual(out.toString().trim(), 'true');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function hasNpm() {
  try {
    execFileSync('npm', ['--version'], { timeout: 20000 });
    return true;
  } catch {
    return false;
  }
}
