import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONNTRACK_ARGS, ConntrackEvents, type ConntrackEvent } from './conntrackEvents';
import { NatTable } from './natTable';
import { until } from '../testing/until';

/**
 * ConntrackEvents' own logic with shell scripts standing in for conntrack, so it runs anywhere:
 * lines of each kind, ENOBUFS, a crash and restart, a missing binary, events switched off. The
 * real conntrack, on real DNAT'd traffic, is in serviceBackends.itest.ts.
 */

const dir = mkdtempSync(join(tmpdir(), 'netmon-conntrack-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const FLOW =
  '[NEW] ipv4 2 tcp 6 120 SYN_SENT src=10.201.0.2 dst=10.202.0.250 sport=40000 dport=80 [UNREPLIED] src=10.201.0.3 dst=10.201.0.2 sport=8080 dport=40000';

function fakeConntrack(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function sysctl(value: string): string {
  const path = join(dir, `events-${value}`);
  writeFileSync(path, `${value}\n`);
  return path;
}

test('flows go into the table; other lines are counted by kind; stop ends it quietly', async (t) => {
  const argsFile = join(dir, 'args');
  const path = fakeConntrack(
    'streaming',
    `printf '%s\\n' "$@" > ${argsFile}
trap 'echo "conntrack v1.4.7 (conntrack-tools): 1 flow events have been shown." >&2; exit 0' TERM
echo '${FLOW}'
echo '[NEW] ipv4 2 icmp 1 30 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=7 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=7'
echo '[NEW] ipv4 2 tcp 6 120 SYN_SENT src=10.0.0.1'
echo 'WARNING: We have hit ENOBUFS! We are losing events.' >&2
while :; do sleep 0.05; done`
  );
  const table = new NatTable();
  const events: ConntrackEvent[] = [];
  const source = new ConntrackEvents({
    table,
    conntrackPath: path,
    onEvent: (e) => events.push(e),
    eventsSysctlPath: sysctl('2'),
  });
  source.start();
  t.after(() => source.stop());
  await until('three lines and the warning', () => {
    const s = source.stats();
    return s.events + s.ignoredLines + s.malformedLines === 3 && s.lostEventReports === 1;
  });
  assert.deepEqual(table.lookup('tcp', { ip: '10.201.0.2', port: 40000 }, { ip: '10.202.0.250', port: 80 }), {
    ip: '10.201.0.3',
    port: 8080,
  });
  const stats = source.stats();
  assert.equal(stats.running, true);
  assert.deepEqual([stats.events, stats.ignoredLines, stats.malformedLines], [1, 1, 1]);
  assert.match(stats.lastMalformedReason, /original sport= should be a port, got undefined/);
  assert.match(stats.lastError ?? '', /kernel dropped conntrack events \(ENOBUFS\)/);
  assert.deepEqual(readFileSync(argsFile, 'utf8').trim().split('\n'), CONNTRACK_ARGS);
  await source.stop();
  assert.equal(source.stats().running, false);
  assert.deepEqual(
    events.map((e) => e.type),
    ['started', 'warning'],
    'a requested stop is no crash'
  );
});

test('once subscribed, each run lists the flows that already exist; a failed listing is a warning', async (t) => {
  const listing = (exit: string) =>
    fakeConntrack(
      `listing-${exit}`,
      `if [ "$1" = -L ]; then
  echo 'ipv4 2 udp 17 20 src=10.201.0.2 dst=10.202.0.10 sport=5000 dport=53 src=10.201.0.4 dst=10.201.0.2 sport=5353 dport=5000 mark=0 use=1'
  echo "conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown." >&2
  [ ${exit} = 0 ] || echo "conntrack v1.4.7 (conntrack-tools): Operation failed: invalid parameters" >&2
  exit ${exit}
fi
echo 'NOTICE: Netlink socket buffer size has been set to 16777216 bytes.' >&2
while :; do sleep 0.05; done`
    );
  const table = new NatTable();
  const ok = new ConntrackEvents({ table, conntrackPath: listing('0'), eventsSysctlPath: sysctl('2') });
  ok.start();
  t.after(() => ok.stop());
  await until('the listing', () => ok.stats().listings === 1);
  assert.equal(ok.stats().listedFlows, 1);
  assert.deepEqual(table.lookup('udp', { ip: '10.201.0.2', port: 5000 }, { ip: '10.202.0.10', port: 53 }), {
    ip: '10.201.0.4',
    port: 5353,
  });

  const events: ConntrackEvent[] = [];
  const failing = new ConntrackEvents({
    table: new NatTable(),
    conntrackPath: listing('1'),
    onEvent: (e) => events.push(e),
    eventsSysctlPath: sysctl('2'),
  });
  failing.start();
  t.after(() => failing.stop());
  await until('the warning', () => events.some((e) => e.type === 'warning'));
  assert.match(
    failing.stats().lastError ?? '',
    /existing Service IP connections were not read \(`.*listing-1 -L --dst-nat -o extended` exit code 1: .*Operation failed: invalid parameters\)/
  );
  assert.equal(failing.stats().running, true, 'events go on');
});

test('a crash is reported with what conntrack said, and conntrack is started again', async (t) => {
  const runs = join(dir, 'runs');
  const path = fakeConntrack(
    'crashing',
    `echo x >> ${runs}
if [ "$(wc -l < ${runs})" -eq 1 ]; then
  echo "conntrack v1.4.7 (conntrack-tools): Can't open netlink socket" >&2
  exit 1
fi
echo '${FLOW}'
while :; do sleep 0.05; done`
  );
  const table = new NatTable();
  const events: ConntrackEvent[] = [];
  const source = new ConntrackEvents({
    table,
    conntrackPath: path,
    onEvent: (e) => events.push(e),
    backoff: { initialMs: 20, maxMs: 20, stableMs: 60_000 },
    eventsSysctlPath: sysctl('1'),
  });
  source.start();
  t.after(() => source.stop());
  await until("the restarted run's flow", () => source.stats().events === 1);
  assert.deepEqual(events.slice(0, 4), [
    { type: 'started', pid: events[0]?.type === 'started' ? events[0].pid : -1 },
    {
      type: 'exited',
      reason:
        "exit code 1: conntrack v1.4.7 (conntrack-tools): Can't open netlink socket (conntrack -E needs root or CAP_NET_ADMIN)",
    },
    { type: 'restarting', delayMs: 20 },
    { type: 'started', pid: source.stats().pid },
  ]);
  assert.equal(source.stats().restarts, 1);
  assert.match(
    source.stats().lastError ?? '',
    /conntrack ended unexpectedly \(exit code 1: .*Can't open netlink socket/
  );
  await source.stop();
});

test('without a conntrack binary it says so once, names it, and never runs', async () => {
  const events: ConntrackEvent[] = [];
  const source = new ConntrackEvents({
    table: new NatTable(),
    conntrackPath: join(dir, 'no-such-conntrack'),
    onEvent: (e) => events.push(e),
  });
  source.start();
  assert.equal(events.length, 1);
  assert.equal(events[0]?.type, 'unavailable');
  assert.match(
    source.stats().lastError ?? '',
    /no-such-conntrack" is not an executable on PATH \(install the conntrack package\)/
  );
  assert.equal(source.stats().running, false);
  await source.stop();
  assert.throws(() => source.start(), /already stopped/);
});

test('kernel events switched off are reported, naming the sysctl, and conntrack still runs for when they come back', async (t) => {
  const events: ConntrackEvent[] = [];
  const off = sysctl('0');
  const source = new ConntrackEvents({
    table: new NatTable(),
    conntrackPath: fakeConntrack('quiet', 'while :; do sleep 0.05; done'),
    onEvent: (e) => events.push(e),
    eventsSysctlPath: off,
  });
  source.start();
  t.after(() => source.stop());
  assert.deepEqual(events[0], {
    type: 'warning',
    message: `conntrack events are disabled (${off} is 0): Service IP backends will be missing until it is set to 1`,
  });
  assert.equal(source.stats().running, true);
  await source.stop();
});
