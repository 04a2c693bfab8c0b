import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CaptureClock } from '../capture/capturePipeline';
import { createDnsPipeline, type DnsPacket, type DnsPipelineOptions } from './dnsPipeline';
import { a, aaaa, bytes, cname, header, query, response } from './dnsTestPackets';

const MS = 1e6;
const EPOCH_MS = 1_700_000_000_000;
const POD = { ip: '10.1.0.5', port: 41000 };
const RESOLVER = { ip: '10.0.0.1', port: 53 };
const CONTAINER = 'a'.repeat(64);

class FakeClock implements CaptureClock {
  mono = 50_000 * MS;
  nowMs = () => EPOCH_MS + this.mono / 1e6;
  monotonicNs = () => this.mono;
}

function setup(overrides: Partial<DnsPipelineOptions> = {}) {
  const clock = new FakeClock();
  const attributed: number[] = [];
  const process = { alive: true };
  const pipeline = createDnsPipeline({
    node: 'node-1',
    clock,
    attribute: (pid) => {
      attributed.push(pid);
      return pid === 4242 && process.alive ? { comm: 'getent', containerId: CONTAINER } : { comm: '', containerId: '' };
    },
    metadata: (id) =>
      id === CONTAINER
        ? { cluster: 'lab', namespace: 'shop', deployment: 'web', pod: 'web-1', container: 'app' }
        : undefined,
    ...overrides,
  });
  return { clock, pipeline, attributed, process };
}

function sent(ts: number, payload: Uint8Array, from = POD, to = RESOLVER, pid = 4242): DnsPacket {
  return {
    ts,
    pid,
    comm: 'getent',
    saddr: from.ip,
    sport: from.port,
    daddr: to.ip,
    dport: to.port,
    payload,
    truncated: false,
  };
}

function received(ts: number, payload: Uint8Array, to = POD, from = RESOLVER): DnsPacket {
  return { ts, saddr: from.ip, sport: from.port, daddr: to.ip, dport: to.port, payload, truncated: false };
}

describe('createDnsPipeline', () => {
  it('turns a question and its response into one dns_queries row with the pod that asked', () => {
    const { clock, pipeline } = setup();
    const t = clock.mono;
    pipeline.handlePacket(sent(t, query(0x1111, 'Shop.Example.')));
    pipeline.handlePacket(
      received(t + 2500_000, response(0x1111, 'shop.example', { answers: [a('shop.example', '192.0.2.80')] }))
    );
    assert.deepEqual(pipeline.takeRows(), [], 'packets wait out the reorder window');
    clock.mono += 600 * MS;
    assert.deepEqual(pipeline.takeRows(), [
      {
        ts: EPOCH_MS + t / 1e6,
        node: 'node-1',
        pid: 4242,
        comm: 'getent',
        container_id: CONTAINER,
        client_cluster: 'lab',
        client_namespace: 'shop',
        client_deployment: 'web',
        client_pod: 'web-1',
        client_container: 'app',
        client_ip: POD.ip,
        client_port: POD.port,
        server_ip: RESOLVER.ip,
        server_port: 53,
        protocol: 'udp',
        query_id: 0x1111,
        qname: 'shop.example',
        qtype: 'A',
        rcode: 'NOERROR',
        latency_us: 2500,
        retries: 0,
        answers: ['192.0.2.80'],
      },
    ]);
    assert.deepEqual(pipeline.takeRows(), [], 'each row once');
  });

  it('attributes the asking process when its packet arrives, not when the row is made', () => {
    const { clock, pipeline, attributed, process } = setup();
    pipeline.handlePacket(sent(clock.mono, query(1, 'x.example')));
    pipeline.handlePacket(received(clock.mono + MS, response(1, 'x.example')));
    assert.deepEqual(attributed, [4242], 'asked once, for the question only');
    process.alive = false; // dig has exited by the time the reorder window passes
    clock.mono += 600 * MS;
    assert.equal(pipeline.takeRows()[0].container_id, CONTAINER);
  });

  it("names the container by the socket's cgroup when the asker exited before its packet was read", () => {
    const cgroups = new Map([[77, { containerId: CONTAINER }]]);
    const { clock, pipeline, process } = setup({ attributeCgroup: (id) => cgroups.get(id) });
    process.alive = false; // a raw-UDP asker gone before the agent read its line
    pipeline.handlePacket({ ...sent(clock.mono, query(9, 'gone.example')), cgroup: 77 });
    pipeline.handlePacket(received(clock.mono + MS, response(9, 'gone.example')));
    clock.mono += 600 * MS;
    const [row] = pipeline.takeRows();
    assert.deepEqual([row.container_id, row.comm, row.client_pod], [CONTAINER, 'getent', 'web-1']);
  });

  it('puts packets back in time order: a response read before its question still pairs', () => {
    const { clock, pipeline } = setup();
    const t = clock.mono;
    pipeline.handlePacket(received(t + 3 * MS, response(2, 'late-read.example', { rcode: 3 })));
    pipeline.handlePacket(sent(t, query(2, 'late-read.example')));
    clock.mono += 600 * MS;
    const rows = pipeline.takeRows();
    assert.deepEqual(
      rows.map((r) => [r.qname, r.rcode, r.latency_us]),
      [['late-read.example', 'NXDOMAIN', 3000]]
    );
    assert.equal(pipeline.stats().orphans, 0);
  });

  it('counts copies of a packet seen on the veth and the host (addresses rewritten) once', () => {
    const { clock, pipeline } = setup();
    const t = clock.mono;
    const q = query(3, 'twice.example');
    const r = response(3, 'twice.example', { answers: [a('twice.example', '192.0.2.3')] });
    pipeline.handlePacket(sent(t, q));
    pipeline.handlePacket(sent(t + 20_000, q, { ip: '192.168.1.10', port: 61000 }, RESOLVER, 0));
    pipeline.handlePacket(received(t + MS, r, { ip: '192.168.1.10', port: 61000 }));
    pipeline.handlePacket(received(t + MS + 30_000, r));
    clock.mono += 600 * MS;
    const rows = pipeline.takeRows();
    assert.deepEqual(
      rows.map((x) => [x.client_ip, x.rcode, x.latency_us, x.answers.join()]),
      [[POD.ip, 'NOERROR', 1000, '192.0.2.3']]
    );
    const s = pipeline.stats();
    assert.deepEqual([s.packets, s.duplicates, s.orphans, s.questions, s.answered], [4, 2, 0, 1, 1]);
  });

  it('does not take a resend after the duplicate window for a copy', () => {
    const { clock, pipeline } = setup({ duplicateWindowMs: 10 });
    const t = clock.mono;
    pipeline.handlePacket(sent(t, query(4, 'resend.example')));
    pipeline.handlePacket(sent(t + 11 * MS, query(4, 'resend.example')));
    clock.mono += 600 * MS;
    pipeline.tick();
    assert.deepEqual([pipeline.stats().duplicates, pipeline.stats().retries], [0, 1]);
  });

  it('writes TIMEOUT rows once the timeout has passed the reorder window', () => {
    const { clock, pipeline } = setup({ timeoutMs: 1000, reorderWindowMs: 100 });
    const t = clock.mono;
    pipeline.handlePacket(sent(t, query(5, 'silent.example', 'AAAA')));
    clock.mono = t + 1100 * MS;
    assert.deepEqual(pipeline.takeRows(), []);
    clock.mono = t + 1101 * MS;
    const [row] = pipeline.takeRows();
    assert.deepEqual(
      [row.qname, row.qtype, row.rcode, row.latency_us, row.answers],
      ['silent.example', 'AAAA', 'TIMEOUT', 0, []]
    );
    assert.equal(pipeline.stats().timeouts, 1);
  });

  it('counts malformed and capture-cut payloads and names the last reason', () => {
    const { clock, pipeline } = setup();
    pipeline.handlePacket(sent(clock.mono, bytes(header(1, 0x0100, 65535, 0))));
    const full = response(6, 'cut.example', { answers: [a('cut.example', '192.0.2.6')] });
    pipeline.handlePacket(sent(clock.mono, query(6, 'cut.example')));
    pipeline.handlePacket({ ...received(clock.mono + MS, full.subarray(0, full.length - 2)), truncated: true });
    clock.mono += 600 * MS;
    const rows = pipeline.takeRows();
    assert.deepEqual(
      rows.map((r) => [r.rcode, r.answers.length]),
      [['NOERROR', 0]]
    );
    const s = pipeline.stats();
    assert.deepEqual([s.packets, s.malformed, s.partial], [3, 1, 1]);
    assert.match(s.lastMalformedReason, /65535\/0\/0\/0 entries/);
  });

  it('learns names from answered questions only, the CNAME chain under the asked name', () => {
    const { clock, pipeline } = setup();
    const t = clock.mono;
    pipeline.handlePacket(sent(t, query(7, 'www.shop.example')));
    pipeline.handlePacket(
      received(
        t + MS,
        response(7, 'www.shop.example', {
          answers: [
            cname('www.shop.example', 'edge.cdn.example'),
            a('edge.cdn.example', '192.0.2.77', 300),
            aaaa('edge.cdn.example', '2001:db8::77'),
          ],
        })
      )
    );
    pipeline.handlePacket(
      received(t + 2 * MS, response(99, 'spoof.example', { answers: [a('spoof.example', '192.0.2.66')] }))
    );
    clock.mono += 600 * MS;
    pipeline.tick();
    assert.equal(pipeline.names.lookup('::ffff:192.0.2.77'), 'www.shop.example');
    assert.equal(pipeline.names.lookup('2001:db8::77'), 'www.shop.example');
    assert.equal(pipeline.names.lookup('192.0.2.66'), undefined, 'an orphan response teaches nothing');
    assert.equal(pipeline.stats().orphans, 1);
    clock.mono = t + MS + (300 + 30) * 1000 * MS + MS;
    assert.equal(pipeline.names.lookup('192.0.2.77'), undefined, 'gone after TTL and grace');
  });

  it('drain processes everything buffered at once', () => {
    const { clock, pipeline } = setup();
    pipeline.handlePacket(sent(clock.mono, query(8, 'bye.example')));
    pipeline.handlePacket(received(clock.mono + MS, response(8, 'bye.example')));
    pipeline.drain();
    assert.equal(pipeline.stats().buffered, 0);
    assert.equal(pipeline.takeRows().length, 1);
  });

  it('rejects options that cannot work, naming them', () => {
    assert.throws(() => createDnsPipeline({ node: '' }), /node: expected the host name/);
    assert.throws(
      () => createDnsPipeline({ node: 'n', reorderWindowMs: -1 }),
      /reorderWindowMs: expected a number >= 0, got -1/
    );
    assert.throws(() => createDnsPipeline({ node: 'n', timeoutMs: 0 }), /timeoutMs: expected a positive number, got 0/);
  });
});
