// Demo traffic for the docker compose stack, so every page of the app has something to show within
// a minute of `docker compose up`. No dependencies: it runs on the netmon image's Node.
//
//   node traffic.mjs server [--loss PERCENT]   HTTP on :8080 answering GET /<bytes> with that many
//                                              bytes; --loss first puts `tc netem` loss (and some
//                                              delay) on eth0, so replies retransmit (needs NET_ADMIN)
//   node traffic.mjs client                    forever, every second: DNS lookups that succeed
//                                              (the servers' names) and fail (NXDOMAIN), sized GETs
//                                              to each server, and a connect to a closed port
//
// Targets come from the environment: DEMO_SERVERS (host list, default "demo-web,demo-api") and
// DEMO_MISSING_NAME (a name that must not resolve).
import { execFileSync } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const PORT = 8080;
const CLOSED_PORT = 8081;
const MAX_BYTES = 4 * 1024 * 1024;

function server(lossPercent) {
  if (lossPercent !== undefined) {
    // Delay as well as loss: with a sub-millisecond bridge RTT the retransmits would be too quick
    // to read on the RTT chart.
    execFileSync('tc', [
      'qdisc',
      'replace',
      'dev',
      'eth0',
      'root',
      'netem',
      'loss',
      `${lossPercent}%`,
      'delay',
      '20ms',
      '5ms',
    ]);
    console.log(`eth0: netem loss ${lossPercent}%, delay 20ms`);
  }
  const body = Buffer.alloc(MAX_BYTES, 'x');
  http
    .createServer((req, res) => {
      const bytes = Math.min(Number(req.url?.slice(1)) || 0, MAX_BYTES);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes });
      res.end(body.subarray(0, bytes));
    })
    .listen(PORT, () => console.log(`serving on :${PORT}`));
}

async function client() {
  const servers = (process.env.DEMO_SERVERS ?? 'demo-web,demo-api').split(',').filter(Boolean);
  const missing = process.env.DEMO_MISSING_NAME ?? 'no-such-service.netmon-demo.invalid';
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  for (let round = 0; ; round++) {
    for (const name of [...servers, missing]) {
      await resolver.resolve4(name).catch(() => undefined);
    }
    // Sizes vary by round so the byte charts are not flat lines.
    const bytes = 10_000 + ((round * 7919) % 500_000);
    await Promise.all(
      servers.map((host) => get(host, bytes).catch((err) => console.error(`GET ${host}: ${err.message}`)))
    );
    await refusedConnect(servers[0]);
    await sleep(1000);
  }
}

function get(host, bytes) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port: PORT, path: `/${bytes}`, agent: false, timeout: 10_000 }, (res) => {
      res.on('data', () => undefined);
      res.on('end', resolve);
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** A failed connect: the server's host answers RST on a port nothing listens on. */
function refusedConnect(host) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: CLOSED_PORT });
    socket.on('connect', () => socket.destroy());
    socket.on('error', () => undefined);
    socket.on('close', resolve);
  });
}

const [role, flag, value] = process.argv.slice(2);
if (role === 'server') {
  server(flag === '--loss' ? Number(value) : undefined);
} else if (role === 'client') {
  await client();
} else {
  console.error(`usage: traffic.mjs server [--loss PERCENT] | client (got "${process.argv.slice(2).join(' ')}")`);
  process.exit(2);
}
