import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startAgent, type Agent } from '../../src/agent/agent';
import { assertBpftraceAvailable, skipWithoutBpftrace } from '../../src/agent/bpftrace/bpftraceTestEnvironment';
import { DATABASE } from '../../src/shared/schema';
import { migrate } from '../../src/store/migrate';
import { openStore } from '../../src/store/openStore';
import type { Store } from '../../src/store/store';
import { checkDelivery } from './deliveryCheck';
import { LoopbackLoad } from './loopbackLoad';

/**
 * Issue 8, scenario 1, the embedded store failing to write: the agent with chDB in its own
 * process, its data dir on a small tmpfs that the test fills to the last byte for 20 s, a real
 * full disk (chDB: "Cannot reserve 1.00 MiB, not enough space", NOT_ENOUGH_SPACE), then frees.
 * The rows wait in the writer's memory queue (a disk spool on the full disk could not help) and
 * go in once there is room. Pass: every connection of the load stored once, nothing dropped.
 */

const work = mkdtempSync(join(tmpdir(), 'netmon-store-full-'));
const mount = join(work, 'mnt');
let mounted = false;
let store: Store | undefined;
let agent: Agent | undefined;
after(async () => {
  await agent?.stop().catch(() => undefined);
  await store?.close();
  if (mounted) {
    execFileSync('umount', ['-l', mount]);
  }
  rmSync(work, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(
  'a full disk under the embedded store for 20 s costs no record: rows wait and go in once there is room',
  { skip: skipWithoutBpftrace, timeout: 180_000 },
  async () => {
    assertBpftraceAvailable();
    mkdirSync(mount);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256m', 'netmon-store-full', mount]);
    mounted = true;
    const dataDir = join(mount, 'data');
    store = await openStore({ dataDir });
    await migrate(store);
    const logs: string[] = [];
    agent = await startAgent({ store, intervalSeconds: 1, stateDir: dataDir, log: (l) => logs.push(l) });
    const load = await LoopbackLoad.start(300);
    await sleep(3000);
    // Kept full: the store's merges free space as they drop the parts they merged.
    const fillers: string[] = [];
    const fullUntil = Date.now() + 20_000;
    while (Date.now() < fullUntil) {
      fillers.push(join(mount, `filler-${fillers.length}`));
      // dd stops at ENOSPC with a non-zero status: that is the point.
      spawnSync('dd', ['if=/dev/zero', `of=${fillers.at(-1)}`, 'bs=64k'], { stdio: 'ignore' });
      await sleep(250);
    }
    const failed = logs.filter((l) => /not enough space/.test(l));
    assert.ok(failed.length > 0, `no insert failed on the full disk:\n${logs.join('\n')}`);
    assert.ok((agent.status()?.rowsPending ?? 0) > 0, `rows wait while the disk is full:\n${logs.join('\n')}`);
    assert.ok(!logs.some((l) => l.startsWith('interval failed')), logs.join('\n'));
    fillers.forEach((f) => rmSync(f));
    const deadline = Date.now() + 90_000;
    while ((agent.status()?.rowsPending ?? 1) > 0 && Date.now() < deadline) {
      await sleep(500);
    }
    const truth = await load.stop();
    await sleep(2500);
    const summary = await agent.stop();
    agent = undefined;
    assert.equal(summary.rowsDropped, 0, logs.filter((l) => l.startsWith('dropped')).join('\n'));
    assert.ok(!logs.some((l) => /tries\)$/.test(l)), 'no batch used up its attempts on the full disk');

    const d = await checkDelivery(store, truth);
    assert.ok(d.connections > 3000, `only ${d.connections} connections completed`);
    assert.deepEqual([d.lostSides, d.duplicatedSides, d.wrongBytes], [0, 0, 0], JSON.stringify(d));
    assert.deepEqual(Object.values(d.identicalRows), [0, 0, 0, 0], JSON.stringify(d.identicalRows));
    const [h] = await store.query<{ dropped: string; sent: string }>(
      `SELECT sum(records_dropped) AS dropped, sum(records_sent) AS sent FROM ${DATABASE}.agent_health`
    );
    assert.equal(Number(h.dropped), 0);
    console.log(
      `embedded-store-full: ${d.connections} connections, ${failed.length} inserts failed on the full disk, ` +
        `${summary.rowsWritten} rows written, none dropped`
    );
  }
);
