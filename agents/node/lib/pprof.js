'use strict';
// Converts what V8 gives (a CPU profile, a sampling heap profile, the
// active resources) into pprof's profile.proto, gzipped: what `go tool
// pprof` and `strain profile top` read.

const zlib = require('node:zlib');
const path = require('node:path');
const { Writer } = require('./proto');

// Bounds on what one profile holds, whatever the service does.
const MAX_DEPTH = 128; // frames of one stack
const MAX_NAME = 512; // characters of a function or file name

// Builder collects stacks and writes a profile.proto.
class Builder {
  // sampleTypes: [[type, unit], ...]; period: [type, unit, value] or null.
  constructor(sampleTypes, period) {
    this.strings = new Map([['', 0]]);
    this.functions = new Map(); // key -> {id, name, file, line}
    this.locations = new Map(); // key -> {id, fn, line}
    this.samples = new Map(); // location ids joined -> {locs, values}
    this.sampleTypes = sampleTypes.map(([t, u]) => [this.str(t), this.str(u)]);
    this.period = period ? [this.str(period[0]), this.str(period[1]), period[2]] : null;
    this.timeNanos = 0;
    this.durationNanos = 0;
    this.comments = [];
  }

  str(s) {
    let i = this.strings.get(s);
    if (i === undefined) {
      i = this.strings.size;
      this.strings.set(s, i);
    }
    return i;
  }

  // location is the id of the location of frame {name, file, line}.
  location(frame) {
    const name = String(frame.name).slice(0, MAX_NAME);
    const file = String(frame.file).slice(0, MAX_NAME);
    const fkey = name + '\0' + file + '\0' + frame.startLine;
    let fn = this.functions.get(fkey);
    if (!fn) {
      fn = { id: this.functions.size + 1, name, file, startLine: frame.startLine };
      this.functions.set(fkey, fn);
    }
    const lkey = fkey + '\0' + frame.line;
    let loc = this.locations.get(lkey);
    if (!loc) {
      loc = { id: this.locations.size + 1, fn: fn.id, line: frame.line };
      this.locations.set(lkey, loc);
    }
    return loc.id;
  }

  // add adds values to the sample of stack (frames, innermost first).
  add(stack, values) {
    const locs = stack.slice(0, MAX_DEPTH).map((f) => this.location(f));
    const key = locs.join(',');
    const s = this.samples.get(key);
    if (s) {
      for (let i = 0; i < values.length; i++) s.values[i] += values[i];
    } else {
      this.samples.set(key, { locs, values: values.slice() });
    }
  }

  // encode is the profile, gzipped.
  encode() {
    const w = new Writer();
    for (const [t, u] of this.sampleTypes) w.bytes(1, new Writer().int(1, t).int(2, u));
    for (const s of this.samples.values()) {
      w.bytes(2, new Writer().packed(1, s.locs).packed(2, s.values.map((v) => Math.max(0, Math.round(v)))));
    }
    for (const loc of this.locations.values()) {
      w.bytes(4, new Writer().int(1, loc.id).bytes(4, new Writer().int(1, loc.fn).int(2, loc.line)));
    }
    for (const fn of this.functions.values()) {
      const name = this.str(fn.name);
      const file = this.str(fn.file);
      w.bytes(5, new Writer().int(1, fn.id).int(2, name).int(3, name).int(4, file).int(5, fn.startLine));
    }
    const comments = this.comments.map((c) => this.str(c));
    const period = this.period;
    // The string table last: every string is in it by now.
    for (const s of this.strings.keys()) w.string(6, s);
    w.int(9, this.timeNanos).int(10, this.durationNanos);
    if (period) w.bytes(11, new Writer().int(1, period[0]).int(2, period[1])).int(12, period[2]);
    w.packed(13, comments);
    return zlib.gzipSync(w.finish());
  }
}

// frameOf is a V8 call frame as a pprof frame: its function's name (an
// anonymous one named by where it is), its file (a path for a file: URL),
// and its line (V8's are 0-based).
function frameOf(cf) {
  const file = fileOf(cf.url);
  const line = cf.lineNumber >= 0 ? cf.lineNumber + 1 : 0;
  let name = cf.functionName;
  if (!name) name = file ? `(anonymous ${path.basename(file)}:${line})` : '(anonymous)';
  return { name, file, line, startLine: line };
}

function fileOf(url) {
  if (!url) return '';
  if (url.startsWith('file://')) {
    try {
      return decodeURIComponent(new URL(url).pathname);
    } catch {
      return url;
    }
  }
  return url;
}

// The V8 profile's nodes that are no code of the program's: the root,
// and the thread waiting for work (an idle loop).
const ROOT = '(root)';
const IDLE = '(idle)';

// cpuStacks indexes a V8 CPU profile's nodes: each node's stack (pprof
// frames, innermost first, the root left out) and whether it is idle.
function cpuStacks(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const stacks = new Map();
  const stackOf = (id) => {
    let s = stacks.get(id);
    if (s) return s;
    s = [];
    for (let at = id; at !== undefined && s.length < MAX_DEPTH; at = parent.get(at)) {
      const n = byId.get(at);
      if (!n || n.callFrame.functionName === ROOT) break;
      s.push(frameOf(n.callFrame));
    }
    stacks.set(id, s);
    return s;
  };
  const idle = (id) => {
    const n = byId.get(id);
    return !n || n.callFrame.functionName === IDLE;
  };
  return { stackOf, idle };
}

// sampleTimes are the V8 profile's samples with their times (µs) and
// durations (µs: until the next sample, the last one's the interval).
function sampleTimes(profile, intervalMicros) {
  const out = [];
  let t = profile.startTime;
  const n = profile.samples.length;
  for (let i = 0; i < n; i++) {
    t += profile.timeDeltas[i] || 0;
    out.push({ id: profile.samples[i], t, d: 0 });
  }
  for (let i = 0; i < n; i++) {
    out[i].d = i + 1 < n ? Math.max(out[i + 1].t - out[i].t, 0) : intervalMicros;
  }
  return out;
}

// fromCpuProfile converts a V8 CPU profile (Profiler.stop's) to pprof:
// samples (count) and cpu (nanoseconds), the loop's idle time left out as
// Go's profiler leaves out a sleeping thread's.
function fromCpuProfile(profile, intervalMicros) {
  const b = new Builder([['samples', 'count'], ['cpu', 'nanoseconds']], ['cpu', 'nanoseconds', intervalMicros * 1000]);
  const { stackOf, idle } = cpuStacks(profile);
  for (const s of sampleTimes(profile, intervalMicros)) {
    if (!idle(s.id)) b.add(stackOf(s.id), [1, s.d * 1000]);
  }
  b.durationNanos = Math.round((profile.endTime - profile.startTime) * 1000);
  return b;
}

// blockedStretches are the runs of samples in which the loop did not go
// idle for at least thresholdMicros: the loop was held, by whatever the
// samples show.
function blockedStretches(profile, intervalMicros, thresholdMicros) {
  const { idle } = cpuStacks(profile);
  const samples = sampleTimes(profile, intervalMicros);
  const out = [];
  let run = [];
  const close = () => {
    if (run.length > 0) {
      const span = run[run.length - 1].t + run[run.length - 1].d - run[0].t;
      if (span >= thresholdMicros) out.push(run);
    }
    run = [];
  };
  for (const s of samples) {
    if (idle(s.id)) close();
    else run.push(s);
  }
  close();
  return out;
}

// fromBlocking converts a V8 CPU profile to a pprof profile of the
// loop's blocked stretches only: samples (count) and blocked
// (nanoseconds), the shape of the Python agent's watchdog profile.
function fromBlocking(profile, intervalMicros, thresholdMicros) {
  const b = new Builder([['samples', 'count'], ['blocked', 'nanoseconds']], ['blocked', 'nanoseconds', intervalMicros * 1000]);
  const { stackOf } = cpuStacks(profile);
  const stretches = blockedStretches(profile, intervalMicros, thresholdMicros);
  for (const run of stretches) for (const s of run) b.add(stackOf(s.id), [1, s.d * 1000]);
  b.durationNanos = Math.round((profile.endTime - profile.startTime) * 1000);
  b.comments.push(`${stretches.length} stretches of ${thresholdMicros / 1000} ms or more without the loop going idle`);
  return b;
}

// fromHeapProfile converts a V8 sampling heap profile
// (HeapProfiler.getSamplingProfile's) to pprof: inuse_objects and
// inuse_space of the sampled allocations still live, as V8 scales them.
function fromHeapProfile(profile, intervalBytes) {
  const b = new Builder([['inuse_objects', 'count'], ['inuse_space', 'bytes']], ['space', 'bytes', intervalBytes]);
  const counts = new Map(); // node id -> [samples, their unscaled bytes]
  for (const s of profile.samples || []) {
    const c = counts.get(s.nodeId) || [0, 0];
    c[0]++;
    c[1] += s.size;
    counts.set(s.nodeId, c);
  }
  const walk = (node, stack, depth) => {
    const own = node.callFrame.functionName === ROOT ? stack : [frameOf(node.callFrame), ...stack];
    if (node.selfSize > 0) {
      const [n, unscaled] = counts.get(node.id) || [1, node.selfSize];
      b.add(own.slice(0, MAX_DEPTH), [unscaled > 0 ? (n * node.selfSize) / unscaled : n, node.selfSize]);
    }
    if (depth < MAX_DEPTH) for (const c of node.children || []) walk(c, own, depth + 1);
  };
  walk(profile.head, [], 0);
  b.timeNanos = Date.now() * 1e6;
  return b;
}

// RESOURCES_FILE is the file a resource dump's frames name: where the
// types came from.
const RESOURCES_FILE = 'node:process.getActiveResourcesInfo';

// fromResources is the active resources (process.getActiveResourcesInfo's
// types) as a pprof goroutine profile: one sample a type, counted, so
// that `strain profile leaks` compares two as it compares goroutine dumps.
function fromResources(types) {
  const b = new Builder([['goroutine', 'count']], null);
  for (const [type, n] of types) b.add([{ name: type, file: RESOURCES_FILE, line: 0, startLine: 0 }], [n]);
  b.timeNanos = Date.now() * 1e6;
  return b;
}

module.exports = { Builder, fromCpuProfile, fromBlocking, blockedStretches, fromHeapProfile, fromResources, frameOf, RESOURCES_FILE };
