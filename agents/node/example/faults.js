// A Node HTTP service with strain-vitals on, that walks Node's usual faults
// on request, for strain's tests and README:
//
//   /             answers at once
//   /block?ms=N   blocks the event loop for N ms in blockTheLoop (a busy wait,
//                 the shape of a synchronous function on the hot path)
//   /sleep?ms=N   blocks it for N ms in sleepOnTheLoop (Atomics.wait: the
//                 loop held without the CPU, as a *Sync call on a slow disk)
//   /leak         starts an interval that is never cleared (leakAnInterval)
//   /leak-socket  opens a connection to a dependency and never closes it
//                 (leakASocket: two sockets a request, the service's end and
//                 the dependency's, both in this process)
//   /hold?kb=N    keeps N KiB for good, in small arrays (holdMemory)
//   /lag          the loop's delay as a perf_hooks histogram of the service's
//                 own, apart from the agent's: {count, p50, p99, max} in seconds
//                 less the timer's resolution, the quantiles the values of
//                 rank ceil(q × count); /lag?reset starts it again
//
// Run: node faults.js [port] [agent-port] [seconds] [--no-agent]; it prints
// "listening PORT AGENT_PORT" (AGENT_PORT 0 without the agent) and ends
// after the given seconds (default 60).
const http = require("http");
const net = require("net");
const { monitorEventLoopDelay } = require("perf_hooks");
const vitals = require("..");

const RESOLUTION_MS = 10;
const own = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
own.enable();

function blockTheLoop(ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {} // eslint-disable-line no-empty
}

const cell = new Int32Array(new SharedArrayBuffer(4));
function sleepOnTheLoop(ms) {
  Atomics.wait(cell, 0, 0, ms);
}

const leaked = [];
function leakAnInterval() {
  leaked.push(setInterval(() => {}, 60000));
}

// A dependency inside the process, that holds every connection open.
const dependency = net.createServer(() => {}).listen(0, "127.0.0.1");
const sockets = [];
function leakASocket() {
  sockets.push(net.connect(dependency.address().port, "127.0.0.1"));
}

const held = [];
function holdMemory(kb) {
  for (let i = 0; i < kb; i++) held.push(new Array(128).fill(i)); // about 1 KiB each
}

function lag(reset) {
  const res = RESOLUTION_MS * 1e6;
  const s = (ns) => Math.max(ns - res, 0) / 1e9;
  // The value of rank ceil(q of the count), as strain takes a quantile
  // from buckets: percentile() itself rounds the rank to the nearest.
  const at = (q) => (own.count ? s(own.percentile(Math.min(100, (100 * Math.ceil(q * own.count)) / own.count))) : 0);
  const out = { count: own.count, p50: at(0.5), p99: at(0.99), max: s(own.max) };
  if (reset) own.reset();
  return out;
}

// The routes' handlers, named: a profile that charges an inlined
// function to its caller names the route.
const ms = (q) => Math.min(Number(q.get("ms") || 10), 10000);
const handlers = {
  "/block": function blockRoute(q) { blockTheLoop(ms(q)); },
  "/sleep": function sleepRoute(q) { sleepOnTheLoop(ms(q)); },
  "/leak": function leakRoute() { leakAnInterval(); },
  "/leak-socket": function leakSocketRoute() { leakASocket(); },
  "/hold": function holdRoute(q) { holdMemory(Math.min(Number(q.get("kb") || 1024), 1 << 20)); },
};

const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  if (url.pathname === "/lag") {
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify(lag(url.searchParams.has("reset"))));
    return;
  }
  const h = handlers[url.pathname];
  if (h) h(url.searchParams);
  res.end("ok\n");
});

async function main() {
  const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const port = Number(args[0] || 8083);
  const agentPort = Number(args[1] || 6062);
  const seconds = Number(args[2] || 60);
  const agent = process.argv.includes("--no-agent") ? null : await vitals.start({ port: agentPort });
  server.listen(port, "127.0.0.1", () => {
    console.log(`listening ${server.address().port} ${agent ? agent.port : 0}`);
  });
  setTimeout(() => process.exit(0), seconds * 1000).unref();
  process.on("SIGTERM", () => process.exit(0));
}

main();
