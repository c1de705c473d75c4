// A Node HTTP service with prom-client's default metrics on /metrics, that
// blocks its event loop on request, for strain's tests and README:
//
//   /             answers at once
//   /block?ms=N   blocks the event loop for N ms (blockTheLoop: a busy wait)
//   /metrics      prom-client's default metrics
//
// Run: node service.js [port] [seconds]; it prints "listening PORT" and
// ends after the given seconds (default 60).
const http = require("http");
const client = require("prom-client");

client.collectDefaultMetrics({ eventLoopMonitoringPrecision: 10 });

function blockTheLoop(ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {} // eslint-disable-line no-empty
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://x");
  if (url.pathname === "/metrics") {
    res.setHeader("Content-Type", client.register.contentType);
    res.end(await client.register.metrics());
    return;
  }
  if (url.pathname === "/block") {
    blockTheLoop(Math.min(Number(url.searchParams.get("ms") || 10), 10000));
  }
  res.end("ok\n");
});

const port = Number(process.argv[2] || 8082);
const seconds = Number(process.argv[3] || 60);
server.listen(port, "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
setTimeout(() => process.exit(0), seconds * 1000).unref();
