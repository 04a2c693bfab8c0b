import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLab, labPrerequisitesMissing, type Lab } from './lab';
import { basicMix } from './scenarios';
import type { TcpTruth, UdpTruth } from './trafficTruth';

/** basicMix on the real kernel: its ground truth is complete and self-consistent. Skips as lab.itest.ts does. */

const missing = labPrerequisitesMissing();
const skip = missing !== undefined && process.env.CI !== 'true' ? `needs ${missing}` : false;
let lab: Lab | undefined;

after(async () => {
  await lab?.close();
});

test(
  'basicMix reports both sides of every flow, each outcome as designed, and real retransmits',
  { skip },
  async () => {
    if (missing !== undefined) {
      assert.fail(`CI=true and this machine lacks ${missing}`);
    }
    lab = await createLab();
    const mix = await basicMix(lab, { pacedMs: 1_500 });
    const { frontend, backend } = mix.pods;
    const clients = mix.truths.filter((t) => t.side === 'client' || t.side === 'sender');
    const servers = mix.truths.filter((t) => t.side === 'server' || t.side === 'receiver');
    const client = (scenario: string) => clients.find((t) => t.scenario === scenario) as TcpTruth;

    assert.equal(clients.length, 11);
    assert.deepEqual(
      Object.fromEntries(clients.filter((t) => t.protocol === 'tcp').map((t) => [t.scenario, (t as TcpTruth).outcome])),
      {
        'upload-1MB': 'ok',
        'download-2MB': 'ok',
        'ipv6-300KB-100KB': 'ok',
        refused: 'refused',
        timeout: 'timeout',
        'lossy-2MB-500KB': 'ok',
        'paced-200KB': 'ok',
        reset: 'reset',
        'host-network-50KB': 'ok',
      }
    );
    // Every flow that connected has its other side, with the bytes mirrored.
    assert.equal(servers.filter((t) => t.scenario === 'unexpected').length, 0);
    assert.equal(servers.length, 7 + 2);
    for (const s of servers) {
      const c = clients.find((t) => t.scenario === s.scenario)!;
      assert.deepEqual([s.bytesReceived, s.bytesSent], [c.bytesSent, c.bytesReceived], s.scenario);
      assert.equal(s.containerId, backend.containerId);
    }
    assert.ok(client('paced-200KB').endedAtMs - client('paced-200KB').startedAtMs >= 1_400);
    assert.deepEqual(client('host-network-50KB').local.ip, lab.addresses.gateway4);
    assert.equal(client('host-network-50KB').containerId, frontend.containerId);
    assert.ok(mix.retransmits.flaky > 0, `flaky retransmitted ${mix.retransmits.flaky} segments`);
    const udp = clients.find((t) => t.scenario === 'udp-connected') as UdpTruth;
    assert.deepEqual([udp.datagramsSent, udp.datagramsReceived, udp.bytesSent], [100, 100, 51_200]);
  }
);
