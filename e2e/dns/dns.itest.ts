import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAgent, type Agent } from '../../src/agent/agent';
import { findExecutable } from '../../src/agent/bpftrace/childCommand';
import { bpftraceMissing } from '../../src/agent/bpftrace/bpftraceTestEnvironment';
import {
  startDnsServer,
  pointPodResolverAt,
  type DnsServerQuery,
  type DnsServerResponse,
  type LabDnsServer,
} from '../../src/lab/dnsServer';
import { createLab, labPrerequisitesMissing, type Lab } from '../../src/lab/lab';
import type { Pod } from '../../src/lab/pod';
import { DATABASE } from '../../src/shared/schema';
import type { Store } from '../../src/store/store';
import { openTestStore } from '../../src/store/testStore';
import { canonicalIp } from '../capture/storedConnections';

/**
 * DNS end to end: the real agent (dns.bt, pipeline, writer) on a real store, while three resolvers
 * in a lab pod (dig, glibc through getent, Node's c-ares, raw UDP) ask the lab's DNS server on the bridge
 * for names it answers NOERROR, NXDOMAIN, SERVFAIL, or never. Each question must be stored once,
 * as the server's own record of what it got and sent says. Needs root, bpftrace, ip, nft, cgroup
 * v2 and dig; skipped with the reason without them, except under CI=true, where that is a failure.
 */

const digMissing = findExecutable('dig') === undefined ? 'dig (apt-get install dnsutils)' : undefined;
const missing =
  [labPrerequisitesMissing(), bpftraceMissing, digMissing].filter((m) => m !== undefined).join(', ') || undefined;
const skip = missing !== undefined && process.env.CI !== 'true' ? `needs ${missing}` : false;
const DNS_TIMEOUT_SECONDS = 2;

let lab: Lab | undefined;
let agent: Agent | undefined;
let store: Store | undefined;
let server: LabDnsServer | undefined;
let removeResolver: (() => void) | undefined;

after(async () => {
  await agent?.stop().catch(() => undefined);
  await server?.stop().catch(() => undefined);
  removeResolver?.();
  await lab?.close();
  await store?.close();
});

/** A resolver process in the pod and the names it asked, in order. */
interface Asker {
  readonly pid: number;
  readonly comm: string;
  readonly names: ReadonlyArray<{ qname: string; qtype: 'A' | 'AAAA' }>;
}

/** Runs one resolver command in the pod to its end; a failed lookup is an exit code, not a test failure. */
async function ask(
  pod: Pod,
  comm: string,
  cmd: string,
  args: readonly string[],
  names: Asker['names']
): Promise<Asker> {
  const proc = await pod.spawn(cmd, args);
  const exit = await proc.exited;
  assert.equal(exit.signal, null, `${cmd} ${args.join(' ')} was killed: ${exit.stderr}`);
  return { pid: proc.pid, comm, names };
}

const digAsker = (pod: Pod, dns: LabDnsServer, qname: string, qtype: 'A' | 'AAAA' = 'A') =>
  ask(pod, 'dig', 'dig', ['+tries=1', '+time=1', `@${dns.address}`, qname, qtype], [{ qname, qtype }]);

/** Node's c-ares, one try per question, so a silent name is one send. */
const C_ARES = `
const { Resolver } = require('node:dns').promises;
const r = new Resolver({ timeout: 1000, tries: 1 });
r.setServers([process.argv[1]]);
(async () => {
  for (const name of process.argv.slice(2)) await r.resolve4(name).catch(() => undefined);
})();`;

/**
 * A resolver of its own over a raw UDP socket, as Go's is: one question, and gone before the
 * answer comes, so only the socket's cgroup id can still name its container.
 */
const RAW_UDP = `
import socket, struct, sys
q = struct.pack("!HHHHHH", 0x2345, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(l)]) + l.encode() for l in sys.argv[2].split(".")) + b"\\0" + struct.pack("!HH", 1, 1)
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(q, (sys.argv[1], 53))`;

interface StoredQuery {
  tsMs: number;
  pid: number;
  comm: string;
  container_id: string;
  client_ip: string;
  client_port: number;
  server_ip: string;
  server_port: number;
  protocol: string;
  query_id: number;
  qname: string;
  qtype: string;
  rcode: string;
  latency_us: number;
  retries: number;
  answers: string[];
}

async function storedQueries(db: Store, suffix: string): Promise<StoredQuery[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT *, toUnixTimestamp64Milli(ts) AS tsMs FROM ${DATABASE}.dns_queries
     WHERE endsWith(qname, {suffix:String}) ORDER BY ts, qname`,
    { suffix }
  );
  return rows.map((r) => ({
    ...(r as unknown as StoredQuery),
    tsMs: Number(r.tsMs),
    client_ip: canonicalIp(String(r.client_ip)),
    server_ip: canonicalIp(String(r.server_ip)),
  }));
}

test(
  'every DNS question from dig, glibc and c-ares in a pod is stored once, with its rcode, answers, latency and asker',
  { skip, timeout: 90_000 },
  async (t) => {
    if (missing !== undefined) {
      assert.fail(`CI=true and this machine lacks ${missing}`);
    }
    store = await openTestStore();
    lab = await createLab();
    const pod = await lab.addPod({ name: 'dns-client' });
    server = await startDnsServer(lab.host);
    const dns = server;
    removeResolver = pointPodResolverAt(pod, dns, { timeoutSeconds: 1, attempts: 2 });
    const started = Date.now();
    const logs: string[] = [];
    agent = await startAgent({
      store,
      node: 'dns-test',
      intervalSeconds: 1,
      dnsTimeoutSeconds: DNS_TIMEOUT_SECONDS,
      log: (line) => logs.push(line),
    });
    const running = agent;

    // A domain of this run, so the host's own DNS traffic and earlier runs stay out of the counts.
    const domain = `${lab.runId}.lab`;
    const n = (label: string) => `${label}.${domain}`;
    const askers = await Promise.all([
      (async () => [
        await digAsker(pod, dns, n('ok-dig')),
        await digAsker(pod, dns, n('ok-dig6'), 'AAAA'),
        await digAsker(pod, dns, n('nx-dig')),
        await digAsker(pod, dns, n('fail-dig')),
        await digAsker(pod, dns, n('silent-dig')),
      ])(),
      (async () => [
        await ask(pod, 'getent', 'getent', ['ahostsv4', n('ok-getent')], [{ qname: n('ok-getent'), qtype: 'A' }]),
        await ask(pod, 'getent', 'getent', ['ahostsv4', n('nx-getent')], [{ qname: n('nx-getent'), qtype: 'A' }]),
        // attempts:2 in resolv.conf: one question sent twice, which is a retry, not a second lookup.
        await ask(
          pod,
          'getent',
          'getent',
          ['ahostsv4', n('silent-getent')],
          [{ qname: n('silent-getent'), qtype: 'A' }]
        ),
      ])(),
      (async () => [
        await ask(
          pod,
          'python3',
          'python3',
          ['-c', RAW_UDP, dns.address, n('ok-raw')],
          [{ qname: n('ok-raw'), qtype: 'A' }]
        ),
      ])(),
      (async () => {
        const names = ['ok-node', 'nx-node', 'fail-node', 'silent-node'].map(n);
        return [
          await ask(
            pod,
            'node',
            process.execPath,
            ['-e', C_ARES, dns.address, ...names],
            names.map((qname) => ({ qname, qtype: 'A' as const }))
          ),
        ];
      })(),
    ]).then((groups) => groups.flat());
    const expectedNames = askers.flatMap((a) => a.names.map((x) => x.qname));

    // The silent ones are written once the agent's timeout has passed; then stop.
    const deadline = Date.now() + 15_000;
    while ((await storedQueries(store, domain)).length < expectedNames.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    agent = undefined;
    const summary = await running.stop();
    const stopped = Date.now();
    assert.equal(summary.rowsDropped, 0, 'the agent dropped rows');

    const truth = await dns.stop();
    server = undefined;
    const rows = await storedQueries(store, domain);
    const queriesOf = (qname: string) =>
      truth.filter((x): x is DnsServerQuery => x.event === 'query' && x.malformed !== true && x.qname === qname);
    const responseOf = (qname: string) =>
      truth.find((x): x is DnsServerResponse => x.event === 'response' && x.qname === qname);

    await t.test('the server got what each resolver was asked, so the scenario itself held', () => {
      for (const qname of expectedNames) {
        assert.ok(queriesOf(qname).length >= 1, `${qname}: the server never got it`);
        assert.equal(responseOf(qname) === undefined, qname.startsWith('silent-'), `${qname}: answered or not`);
      }
      assert.equal(queriesOf(n('silent-getent')).length, 2, 'glibc with attempts:2 sends a silent question twice');
    });

    await t.test('each question is one row: a retry is counted on it, nothing else is stored', () => {
      assert.deepEqual(rows.map((r) => r.qname).sort(), [...expectedNames].sort(), 'stored qnames, each exactly once');
      for (const r of rows) {
        const sent = queriesOf(r.qname);
        assert.equal(r.retries, sent.length - 1, `${r.qname}: retries, with ${sent.length} sends on the wire`);
      }
      assert.ok(rows.find((r) => r.qname === n('silent-getent'))!.retries >= 1);
    });

    await t.test('qtype, rcode, answers and latency are what the server did', () => {
      for (const r of rows) {
        const asked = askers.flatMap((a) => a.names).find((x) => x.qname === r.qname)!;
        const response = responseOf(r.qname);
        assert.equal(r.qtype, asked.qtype, `${r.qname}: qtype`);
        assert.equal(r.protocol, 'udp');
        if (response === undefined) {
          assert.deepEqual([r.rcode, r.latency_us, r.answers], ['TIMEOUT', 0, []], `${r.qname}: unanswered`);
          continue;
        }
        assert.equal(r.rcode, response.rcode, `${r.qname}: rcode`);
        assert.deepEqual(r.answers, response.answers, `${r.qname}: answers`);
        assert.ok(r.latency_us > 0 && r.latency_us < 1_000_000, `${r.qname}: latency ${r.latency_us} µs`);
      }
      assert.deepEqual(
        rows.filter((r) => r.qname.startsWith('ok-')).map((r) => r.answers.length > 0),
        rows.filter((r) => r.qname.startsWith('ok-')).map(() => true),
        'every ok-* name has answers'
      );
    });

    await t.test('each row names the asking process, its container, and both ends as the pod saw them', () => {
      for (const r of rows) {
        const asker = askers.find((a) => a.names.some((x) => x.qname === r.qname))!;
        const first = queriesOf(r.qname)[0];
        assert.equal(r.pid, asker.pid, `${r.qname}: pid`);
        assert.equal(r.container_id, pod.containerId, `${r.qname}: container id`);
        assert.ok(r.comm !== '', `${r.qname}: comm`);
        if (asker.comm !== 'dig') {
          // dig sends from a worker thread whose name is its own (isc-net-*, isc-loop-*, ...).
          assert.equal(r.comm, asker.comm, `${r.qname}: comm`);
        }
        assert.equal(r.client_ip, canonicalIp(pod.ip), `${r.qname}: client ip`);
        assert.equal(r.client_port, first.clientPort, `${r.qname}: client port`);
        assert.equal(r.query_id, first.id, `${r.qname}: query id`);
        assert.equal(r.server_ip, canonicalIp(dns.address), `${r.qname}: server ip`);
        assert.equal(r.server_port, 53, `${r.qname}: server port`);
        assert.ok(r.tsMs >= started && r.tsMs <= stopped, `${r.qname}: ts ${r.tsMs} within the run`);
      }
    });

    await t.test("dns.bt's probes count in agent_health, and the agent warned of no DNS trouble", async () => {
      const [h] = await store!.query<Record<string, number>>(
        `SELECT min(probes_attached) AS attached, max(probes_expected) AS expected
         FROM ${DATABASE}.agent_health WHERE node = 'dns-test'`
      );
      assert.deepEqual(h, { attached: 15 + 5, expected: 15 + 5 });
      // "DNS capture is off", malformed DNS payloads, dns.bt lines that did not parse, restarts.
      const trouble = logs.filter(
        (l) => /dns/i.test(l) && !/^dns\.bt: bpftrace \(pid \d+\) attached 5 probes$/.test(l)
      );
      assert.deepEqual(trouble, []);
    });
  }
);
