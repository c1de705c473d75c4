// A hello-world Node HTTP service, with strain-vitals on unless --no-agent,
// for measuring what the agent costs (scripts/bench-node-agent.sh).
// Run: node hello.js [port] [agent-port] [seconds] [--no-agent]; it prints
// "listening PORT AGENT_PORT" (AGENT_PORT 0 without the agent) and ends
// after the given seconds (default 60).
const http = require("http");

async function main() {
  const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const agent = process.argv.includes("--no-agent") ? null : await require("..").start({ port: Number(args[1] || 0) });
  const server = http.createServer((req, res) => res.end("ok\n"));
  server.listen(Number(args[0] || 0), "127.0.0.1", () => {
    console.log(`listening ${server.address().port} ${agent ? agent.port : 0}`);
  });
  setTimeout(() => process.exit(0), Number(args[2] || 60) * 1000).unref();
  process.on("SIGTERM", () => process.exit(0));
}

main();
