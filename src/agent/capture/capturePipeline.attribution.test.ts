import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCapturePipeline, type CapturePipeline } from './capturePipeline';
import { fake, type FakeConn } from './fakeBpftrace';

// Attribution of short-lived processes: a fake /proc that forgets a pid as soon as the test says
// the process exited, and a fake cgroup index, with the lines through the whole pipeline.
const S = 1e9;
const CT_A = 'a'.repeat(64);
const CT_B = 'b'.repeat(64);
const CGROUP_A = 5001;
const CGROUP_B = 5002;

function setup(cgroups: ReadonlyMap<number, string> = new Map()) {
  const alive = new Map<number, { comm: string; containerId: string }>();
  const p: CapturePipeline = createCapturePipeline({
    node: 'n',
    clock: { nowMs: () => 0, monotonicNs: () => 0 },
    attribute: (pid) => alive.get(pid) ?? { comm: '', containerId: '' },
    attributeCgroup: (id) => (cgroups.has(id) ? { containerId: cgroups.get(id)! } : undefined),
  });
  p.handleLine(fake.hello(0, 1));
  const rows = () => {
    p.drain();
    return p.takeRows();
  };
  return { p, alive, rows };
}

const client: FakeConn = { sk: -1, start: 1 * S, pid: 100, comm: 'curl', lport: 40000, rport: 80 };
const server: FakeConn = {
  sk: -2,
  start: 1 * S,
  direction: 'inbound',
  pid: 0,
  comm: '',
  laddr: '10.0.0.2',
  lport: 80,
  raddr: '10.0.0.1',
  rport: 40000,
};

test('a process that exits right after its line keeps its container: it is looked up as the line arrives', () => {
  // Both close within the interval, so their close records are all connections.bt prints of them.
  const { p, alive, rows } = setup();
  alive.set(100, { comm: 'curl', containerId: CT_A });
  p.handleLine(fake.close(1.2 * S, client, [10, 20, 3, 4, 0]));
  alive.delete(100);
  alive.set(200, { comm: 'nginx', containerId: CT_B });
  p.handleLine(fake.close(1.3 * S, { ...server, pid: 200, comm: 'nginx' }, [20, 10, 4, 3, 0]));
  alive.delete(200);
  p.handleLine(fake.flush(2 * S, 1)[0]);
  assert.deepEqual(
    rows().map((r) => [r.local_port, r.pid, r.comm, r.local_container_id, r.remote_container_id]),
    [
      [40000, 100, 'curl', CT_A, CT_B],
      [80, 200, 'nginx', CT_B, CT_A],
    ]
  );
});

test('a process gone before its line is attributed by the socket cgroup; a failed connect too', () => {
  const { p, rows } = setup(new Map([[CGROUP_A, CT_A]]));
  p.handleLine(fake.fail(1.5 * S, { ...client, cgroup: CGROUP_A }, [0, 0, 1, 0, 0]));
  const [row] = rows();
  assert.deepEqual([row.state, row.pid, row.comm, row.local_container_id], ['failed', 100, 'curl', CT_A]);
});

test('the socket cgroup wins over the pid, which may have been reused by another container', () => {
  const { p, alive, rows } = setup(new Map([[CGROUP_A, CT_A]]));
  alive.set(100, { comm: 'other', containerId: CT_B });
  p.handleLine(fake.open(1.1 * S, { ...client, cgroup: CGROUP_A }));
  p.handleLine(fake.flush(2 * S, 1)[0]);
  assert.deepEqual(
    rows().map((r) => [r.comm, r.local_container_id]),
    [['curl', CT_A]]
  );
});

test("inbound: the listener's cgroup names the container before the owner line; without it the owner's pid does", () => {
  for (const [cgroup, expected] of [
    [CGROUP_B, CT_B],
    [1, CT_A], // the root cgroup (a v1-only host) says nothing; pid 300's container is used
  ] as const) {
    const { p, alive, rows } = setup(new Map([[CGROUP_B, CT_B]]));
    const inbound = { ...server, cgroup };
    alive.set(300, { comm: 'api', containerId: CT_A });
    p.handleLine(fake.open(1.1 * S, inbound));
    p.handleLine(fake.owner(1.2 * S, inbound, 300, 'api'));
    alive.delete(300);
    p.handleLine(fake.flush(2 * S, 1)[0]);
    assert.deepEqual(
      rows().map((r) => [r.pid, r.comm, r.local_container_id]),
      [[300, 'api', expected]],
      `cgroup ${cgroup}`
    );
  }
});

test('UDP: a sender gone by the flush is attributed by its cgroup, and keeps its first attribution', () => {
  const cgroups = new Map([[CGROUP_A, CT_A]]);
  const { p, rows } = setup(cgroups);
  const flow = { sk: -9, pid: 400, comm: 'dig', cgroup: CGROUP_A, lport: 33333, txDatagrams: 2, txBytes: 80 };
  fake.flush(2 * S, 1, [], fake.udp([flow])).forEach((l) => p.handleLine(l));
  cgroups.delete(CGROUP_A); // the container is gone too
  fake.flush(3 * S, 2, [], fake.udp([flow])).forEach((l) => p.handleLine(l));
  assert.deepEqual(
    rows().map((r) => [r.protocol, r.pid, r.comm, r.bytes_tx, r.local_container_id]),
    [
      ['udp', 400, 'dig', 80, CT_A],
      ['udp', 400, 'dig', 80, CT_A],
    ]
  );
});
