import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startAgent, type Agent } from '../../src/agent/agent';
import { bpftraceMissing } from '../../src/agent/bpftrace/bpftraceTestEnvironment';
import { createLab, labPrerequisitesMissing, type Lab } from '../../src/lab/lab';
import type { Pod } from '../../src/lab/pod';
import { basicMix, type MixResult, type ScenarioTruth } from '../../src/lab/scenarios';
import type { TcpTruth } from '../../src/lab/trafficTruth';
import { openTestStore } from '../../src/store/testStore';
import type { Store } from '../../src/store/store';
import {
  canonicalIp,
  connectionsFromQuery,
  sameEndpoint,
  storedConnection,
  type StoredConnection,
} from './storedConnections';

/**
 * Capture accuracy against ground truth: the real agent (bpftrace, pipeline, writer) captures the
 * lab's basicMix into a real store, and what it stored is held against what every process says it
 * did and what each pod's kernel counted. Needs root, bpftrace, ip, nft and cgroup v2; skipped
 * with the reason without them, except under CI=true, where that is a failure.
 */

const missing = [labPrerequisitesMissing(), bpftraceMissing].filter((m) => m !== undefined).join(', ') || undefined;
const skip = missing !== undefined && process.env.CI !== 'true' ? `needs ${missing}` : false;
const INTERVAL_SECONDS = 1;
const PACED_MS = 3_500;
/** Drop percentage on the lossy link: at 5 % a 2.5 MB exchange in large GSO segments can go without a drop. */
const LOSS_PERCENT = 10;
/** Allowed relative error of bytes and of retransmits (the targets of issue 3). */
const BYTES_TOLERANCE = 0.005;
const RETRANSMITS_TOLERANCE = 0.01;

let lab: Lab | undefined;
let agent: Agent | undefined;
let store: Store | undefined;

after(async () => {
  await agent?.stop().catch(() => undefined);
  await lab?.close();
  await store?.close();
});

function within(actual: number, expected: number, tolerance: number): boolean {
  return Math.abs(actual - expected) <= tolerance * expected;
}

/** TCP sockets of the pod's namespace that can still send (not listening, not in TIME-WAIT). */
function liveSockets(pod: Pod): number {
  const out = execFileSync('ip', ['netns', 'exec', pod.netns, 'ss', '-Htan'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.trim() !== '' && !/^(LISTEN|TIME-WAIT)\s/.test(l)).length;
}

/** A lost FIN is retransmitted after the process has gone; wait so both counts include it. */
async function untilQuiet(pods: readonly Pod[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (pods.some((p) => liveSockets(p) > 0)) {
    assert.ok(Date.now() < deadline, 'TCP sockets of the lab were still closing after 10 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test(
  'the agent stores every lab flow once per side, with exact bytes, retransmits, failures and containers',
  { skip, timeout: 120_000 },
  async (t) => {
    if (missing !== undefined) {
      assert.fail(`CI=true and this machine lacks ${missing}`);
    }
    store = await openTestStore();
    lab = await createLab();
    const running = await startAgent({
      store,
      node: 'accuracy-test',
      intervalSeconds: INTERVAL_SECONDS,
      log: () => undefined,
    });
    agent = running;
    const mix: MixResult = await basicMix(lab, { pacedMs: PACED_MS, lossPercent: LOSS_PERCENT });
    const pods = Object.values(mix.pods);
    await untilQuiet(pods);
    // Fresh namespaces: their counters are the mix's own.
    const kernelRetransmits = Object.fromEntries(pods.map((p) => [p.name, p.netstat().TcpRetransSegs]));
    agent = undefined;
    const summary = await running.stop();
    assert.equal(summary.rowsDropped, 0, 'the agent dropped rows');

    const labIps = [lab.addresses.gateway4, lab.addresses.gateway6, ...pods.flatMap((p) => [p.ip, p.ip6])];
    const q = connectionsFromQuery(labIps);
    const rows = (await store.query(q.sql, q.params)).map(storedConnection);
    const tcp = mix.truths.filter((x): x is ScenarioTruth & TcpTruth => x.protocol === 'tcp');
    const connected = tcp.filter((x) => x.outcome === 'ok' || x.outcome === 'reset');
    const failed = tcp.filter((x) => x.outcome === 'refused' || x.outcome === 'timeout');
    const rowsOf = (x: ScenarioTruth, protocol = x.protocol) =>
      rows.filter(
        (r) =>
          r.protocol === protocol &&
          sameEndpoint(r.local_ip, r.local_port, x.local) &&
          (protocol === 'udp' || sameEndpoint(r.remote_ip, r.remote_port, x.remote))
      );
    const label = (x: ScenarioTruth) => `${x.scenario} (${x.side} ${x.local.ip}:${x.local.port})`;
    const sum = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((s, x) => s + f(x), 0);
    const peerOf = (x: TcpTruth) => connected.find((y) => y !== x && sameEndpoint(y.local.ip, y.local.port, x.remote))!;

    await t.test('each TCP connection is stored once per side, client outbound and server inbound', () => {
      assert.equal(connected.filter((x) => x.side === 'client').length, 7);
      assert.equal(connected.filter((x) => x.side === 'server').length, 7);
      for (const x of [...connected, ...failed]) {
        const rs = rowsOf(x);
        assert.equal(
          new Set(rs.map((r) => r.connection_id)).size,
          1,
          `${label(x)}: connection ids ${rs.map((r) => r.connection_id)}`
        );
        assert.deepEqual(
          new Set(rs.map((r) => r.direction)),
          new Set([x.side === 'client' ? 'outbound' : 'inbound']),
          label(x)
        );
        // A connect that never established is not a new connection (connectionTracker.ts).
        assert.equal(
          sum(rs, (r) => r.opened),
          failed.includes(x) ? 0 : 1,
          `${label(x)}: rows with opened = 1`
        );
        assert.equal(
          rs.filter((r) => r.state === 'closed' || r.state === 'failed').length,
          1,
          `${label(x)}: final rows`
        );
      }
      const tcpIds = new Set(rows.filter((r) => r.protocol === 'tcp').map((r) => r.connection_id));
      assert.equal(tcpIds.size, connected.length + failed.length, 'TCP connections stored for the lab, in all');
    });

    await t.test('bytes each way equal what each process sent and received', () => {
      for (const x of connected) {
        const rs = rowsOf(x);
        const [tx, rx] = [sum(rs, (r) => r.bytes_tx), sum(rs, (r) => r.bytes_rx)];
        assert.ok(within(tx, x.bytesSent, BYTES_TOLERANCE), `${label(x)}: bytes_tx ${tx}, process sent ${x.bytesSent}`);
        assert.ok(
          within(rx, x.bytesReceived, BYTES_TOLERANCE),
          `${label(x)}: bytes_rx ${rx}, process received ${x.bytesReceived}`
        );
      }
    });

    await t.test("retransmits per pod match the namespace's TcpRetransSegs", () => {
      assert.ok(kernelRetransmits.flaky > 0, 'the lossy link caused no retransmits');
      for (const pod of pods) {
        // By address: only the pod's own namespace holds them, whoever the process is attributed to.
        const own = rows.filter((r) => r.protocol === 'tcp' && [pod.ip, pod.ip6].map(canonicalIp).includes(r.local_ip));
        const stored = sum(own, (r) => r.retransmits);
        const kernel = kernelRetransmits[pod.name];
        assert.ok(
          within(stored, kernel, RETRANSMITS_TOLERANCE),
          `pod ${pod.name}: stored ${stored} retransmits, kernel counted ${kernel}`
        );
      }
    });

    await t.test("refused and timed-out connects are 'failed' rows with no server side", () => {
      assert.deepEqual(failed.map((x) => x.scenario).sort(), ['refused', 'timeout']);
      for (const x of failed) {
        const rs = rowsOf(x);
        assert.deepEqual(
          rs.map((r) => r.state),
          ['failed'],
          label(x)
        );
        assert.equal(
          sum(rs, (r) => r.bytes_tx + r.bytes_rx),
          0,
          `${label(x)}: bytes`
        );
        const serverSide = rows.filter(
          (r) => r.protocol === 'tcp' && sameEndpoint(r.remote_ip, r.remote_port, x.local)
        );
        assert.equal(serverSide.length, 0, `${label(x)}: rows seen from the server side`);
      }
    });

    await t.test('container ids name this side and the local peer; a host-network process is its pod', () => {
      for (const x of connected) {
        for (const r of rowsOf(x)) {
          assert.equal(r.local_container_id, x.containerId, `${label(x)}: local_container_id`);
          assert.equal(r.remote_container_id, peerOf(x).containerId, `${label(x)}: remote_container_id`);
        }
      }
      const hostNetwork = connected.find((x) => x.scenario === 'host-network-50KB' && x.side === 'client')!;
      assert.equal(hostNetwork.local.ip, lab!.addresses.gateway4);
      assert.deepEqual(
        new Set(rowsOf(hostNetwork).map((r) => r.local_container_id)),
        new Set([mix.pods.frontend.containerId])
      );
      for (const x of failed) {
        assert.deepEqual(
          new Set(rowsOf(x).map((r) => r.local_container_id)),
          new Set([mix.pods.frontend.containerId]),
          label(x)
        );
      }
    });

    await t.test('the paced connection has a row in every interval it spanned, and its deltas add up', () => {
      const intervalMs = INTERVAL_SECONDS * 1000;
      for (const x of connected.filter((y) => y.scenario === 'paced-200KB')) {
        const rs = rowsOf(x);
        // A server's truth starts at accept, which is when its connection is established.
        const establishedMs = x.connectedAtMs ?? x.startedAtMs;
        const spanMs = x.endedAtMs - establishedMs;
        assert.ok(spanMs >= PACED_MS - 100, `${label(x)} lasted only ${spanMs} ms`);
        assert.ok(rs.length >= Math.floor(spanMs / intervalMs), `${label(x)}: ${rs.length} rows over ${spanMs} ms`);
        // Flush rows come a reorder window (500 ms) after the flush; ts is the flush itself. A flush
        // waits a second while bpftrace's output is behind (connections.bt @late_ticks), which a
        // loaded CI machine can cause; the agent counts those seconds, and only those widen a gap.
        const maxGapMs = intervalMs + 250 + summary.lateTicks * intervalMs;
        const times = [establishedMs, ...rs.map((r) => r.tsMs)];
        for (let i = 1; i < times.length; i++) {
          assert.ok(
            times[i] - times[i - 1] <= maxGapMs,
            `${label(x)}: ${times[i] - times[i - 1]} ms without a row at ${i} (late ticks: ${summary.lateTicks})`
          );
        }
        const moved = x.side === 'client' ? (r: StoredConnection) => r.bytes_tx : (r: StoredConnection) => r.bytes_rx;
        const total = x.side === 'client' ? x.bytesSent : x.bytesReceived;
        assert.equal(sum(rs, moved), total, `${label(x)}: deltas add up`);
        assert.ok(
          rs.slice(0, -1).every((r) => moved(r) > 0),
          `${label(x)}: an interval without progress: ${rs.map(moved)}`
        );
        assert.ok(Math.max(...rs.map(moved)) < total, `${label(x)}: one row carries everything`);
      }
    });

    await t.test('UDP flows carry every byte each socket sent and received', () => {
      const udp = mix.truths.filter((x) => x.protocol === 'udp');
      const receivers = udp.filter((x) => x.side === 'receiver');
      assert.equal(new Set(receivers.map((x) => `${x.local.ip}:${x.local.port}`)).size, 1, 'one receiver socket');
      for (const x of udp.filter((y) => y.side === 'sender')) {
        const rs = rowsOf(x);
        assert.equal(new Set(rs.map((r) => r.connection_id)).size, 1, `${label(x)}: connection ids`);
        assert.equal(
          sum(rs, (r) => r.bytes_tx),
          x.bytesSent,
          `${label(x)}: bytes_tx`
        );
        assert.equal(
          sum(rs, (r) => r.bytes_rx),
          x.bytesReceived,
          `${label(x)}: bytes_rx`
        );
        assert.ok(
          rs.every((r) => r.local_container_id === x.containerId),
          `${label(x)}: local_container_id`
        );
      }
      const rs = rowsOf(receivers[0]);
      assert.equal(
        sum(rs, (r) => r.bytes_rx),
        sum(receivers, (x) => x.bytesReceived),
        'receiver bytes_rx'
      );
      assert.equal(
        sum(rs, (r) => r.bytes_tx),
        sum(receivers, (x) => x.bytesSent),
        'receiver bytes_tx'
      );
    });
  }
);
