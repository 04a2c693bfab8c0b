import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bpftraceMissing } from '../../src/agent/bpftrace/bpftraceTestEnvironment';
import { createLab, labPrerequisitesMissing, type Lab } from '../../src/lab/lab';
import type { TcpTruth } from '../../src/lab/trafficTruth';
import { DATABASE, tables } from '../../src/shared/schema';
import { inlineParams } from '../../src/shared/sql/escape';
import { netmonSql, startNetmon, type RunningNetmon } from './netmonCli';
import { connectionsFromQuery, sameEndpoint, storedConnection } from './storedConnections';

/**
 * The whole path as a person takes it: `netmon up` captures lab traffic into an embedded data dir
 * and stops by itself, then `netmon sql` on that dir shows the connections with their exact bytes.
 * Skips without root, bpftrace, ip, nft or cgroup v2, except under CI=true.
 */

const missing = [labPrerequisitesMissing(), bpftraceMissing].filter((m) => m !== undefined).join(', ') || undefined;
const skip = missing !== undefined && process.env.CI !== 'true' ? `needs ${missing}` : false;
/** netmon up prints this once startAgent has resolved: the probes are attached. */
const CAPTURING = /capturing with /;
const DURATION_SECONDS = 15;

let lab: Lab | undefined;
let up: RunningNetmon | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'netmon-e2e-'));

after(async () => {
  await up?.stop();
  await lab?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test(
  'netmon up --duration captures lab connections that netmon sql then shows',
  { skip, timeout: 90_000 },
  async () => {
    if (missing !== undefined) {
      assert.fail(`CI=true and this machine lacks ${missing}`);
    }
    lab = await createLab();
    const client = await lab.addPod({ name: 'client' });
    const server = await lab.addPod({ name: 'server' });
    const listener = await lab.startTcpServer(server);
    up = await startNetmon(
      ['up', '--duration', String(DURATION_SECONDS), '--interval', '1', '--no-ui', '--data-dir', dataDir],
      (line) => CAPTURING.test(line),
      60_000
    );
    const clients: TcpTruth[] = [];
    for (let i = 0; i < 3; i++) {
      clients.push(
        await lab.runClient(client, {
          to: { ip: server.ip, port: listener.port },
          upload: 100_000 + i,
          download: 20_000 + i,
        })
      );
    }
    const exit = await up.exited;
    assert.equal(exit.code, 0, `netmon up exited with ${exit.code}:\n${exit.output}`);
    const servers = await listener.stop();
    assert.equal(servers.length, clients.length);

    const rows = netmonSql(dataDir, inlineParams(connectionsFromQuery([client.ip, server.ip]))).map(storedConnection);
    for (const x of [...clients, ...servers]) {
      const rs = rows.filter(
        (r) => sameEndpoint(r.local_ip, r.local_port, x.local) && sameEndpoint(r.remote_ip, r.remote_port, x.remote)
      );
      const what = `${x.side} ${x.local.ip}:${x.local.port}`;
      assert.equal(new Set(rs.map((r) => r.connection_id)).size, 1, `${what}: connection ids`);
      assert.deepEqual(
        new Set(rs.map((r) => r.direction)),
        new Set([x.side === 'client' ? 'outbound' : 'inbound']),
        what
      );
      assert.deepEqual(
        [rs.reduce((s, r) => s + r.bytes_tx, 0), rs.reduce((s, r) => s + r.bytes_rx, 0)],
        [x.bytesSent, x.bytesReceived],
        `${what}: bytes sent and received`
      );
    }
    const [health] = netmonSql<{ intervals: string; lost: string }>(
      dataDir,
      `SELECT count() AS intervals, sum(lost_events) AS lost FROM ${DATABASE}.${tables.agent_health.name}`
    );
    assert.ok(Number(health.intervals) >= 2, `agent_health rows: ${health.intervals}`);
    assert.equal(Number(health.lost), 0, 'lost events');
  }
);
