import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { assertBpftraceAvailable, skipWithoutBpftrace } from '../agent/bpftrace/bpftraceTestEnvironment';
import { TestVectorEndpoint } from '../agent/sink/testVectorEndpoint';
import { DATABASE } from '../shared/schema';
import { openStore } from '../store/openStore';
import { finished, runNetmon, startNetmon } from './runNetmon';

/** `netmon up` as a user runs it: the real launcher, real bpftrace, the embedded store. */

const work = mkdtempSync(join(tmpdir(), 'netmon-up-itest-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** One loopback connection from this process: sends `bytes`, gets `bytes` * 2 back. */
async function loopbackExchange(bytes: number): Promise<number> {
  const server = createServer((s) => {
    let n = 0;
    s.on('data', (d: Buffer) => (n += d.length));
    s.on('end', () => s.end(Buffer.alloc(2 * n)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve, reject) => {
    const c = createConnection({ host: '127.0.0.1', port }, () => c.end(Buffer.alloc(bytes)));
    c.on('data', () => undefined);
    c.on('error', reject);
    c.on('close', () => resolve());
  });
  server.close();
  return port;
}

test(
  'up --duration 4 --interval 1 --no-ui captures into the data dir, prints status per interval and exits 0',
  { skip: skipWithoutBpftrace, timeout: 120_000 },
  async () => {
    assertBpftraceAvailable();
    const dir = join(work, 'data');
    const child = startNetmon(['up', '--duration', '4', '--interval', '1', '--no-ui', '--data-dir', dir]);
    const done = finished(child);
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      child.stdout!.on('data', (d: Buffer) => {
        seen += d.toString('utf8');
        if (seen.includes('netmon up: holding')) {
          resolve();
        }
      });
      void done.then((r) => reject(new Error(`netmon up exited (${r.code}) before capturing:\n${r.stderr}`)));
    });
    const port = await loopbackExchange(4321);
    const run = await done;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(
      lines.find((l) => l.startsWith('netmon up: holding')) ?? '',
      /^netmon up: holding embedded:\S+; capturing with \S*bpftrace every 1s$/
    );
    assert.ok(!run.stdout.includes('UI: '), '--no-ui serves no UI');
    const statusLines = lines.filter((l) => /^\d{4}-\d\d-\d\dT[\d:]+Z {2}probes 20\/20 {2}events /.test(l));
    // A write after each of bpftrace's 1 s flushes that is ready before the 4 s are up (at least 3:
    // its tick's phase is its own), and the final one at the stop.
    assert.ok(statusLines.length >= 4, run.stdout);
    assert.ok(
      statusLines.some((l) => l.includes(`-> 127.0.0.1:${port}`)),
      run.stdout
    );
    // The stop is said once; the last status (the final flush) follows it, though an interval that
    // ended while stopping may print its status in between; the summary is the last line.
    const stops = lines.filter((l) => /^netmon up: stopping \(--duration 4s elapsed\)$/.test(l));
    assert.equal(stops.length, 1, run.stdout);
    assert.ok(lines.lastIndexOf(statusLines.at(-1)!) > lines.indexOf(stops[0]), run.stdout);
    assert.match(lines.at(-1) ?? '', /^netmon up: wrote \d+ rows in \d+ intervals$/);

    const store = await openStore({ dataDir: dir });
    try {
      const sides = await store.query<{ tx: string; rx: string }>(
        `SELECT sum(bytes_tx) AS tx, sum(bytes_rx) AS rx FROM ${DATABASE}.connections
         WHERE local_port = {port:UInt16} OR remote_port = {port:UInt16}
         GROUP BY local_port = {port:UInt16} ORDER BY local_port = {port:UInt16}`,
        { port }
      );
      assert.deepEqual(sides, [
        { tx: '4321', rx: '8642' },
        { tx: '8642', rx: '4321' },
      ]);
      const [health] = await store.query<{ rows: string; attached: number }>(
        `SELECT count() AS rows, min(probes_attached = probes_expected) AS attached FROM ${DATABASE}.agent_health`
      );
      assert.equal(Number(health.rows), statusLines.length, 'one agent_health row per status line');
      assert.equal(health.attached, 1);
      const wrote = Number(/wrote (\d+) rows/.exec(lines.at(-1)!)![1]);
      const [stored] = await store.query<{ n: string }>(
        `SELECT (SELECT count() FROM ${DATABASE}.connections) + (SELECT count() FROM ${DATABASE}.agent_health) AS n`
      );
      assert.equal(wrote, Number(stored.n));
    } finally {
      await store.close();
    }
  }
);

test('a missing bpftrace is one line naming it and a non-zero exit within 5 s, before any data dir is made', async () => {
  const dir = join(work, 'never');
  const started = Date.now();
  const run = await runNetmon(['up', '--data-dir', dir], { env: { NETMON_BPFTRACE: '/nonexistent' } });
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  assert.notEqual(run.code, 0);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr.split('\n').length, 2, run.stderr);
  if (process.geteuid?.() === 0) {
    assert.equal(run.code, 69);
    assert.match(
      run.stderr,
      /^error: \/nonexistent is not an executable file: install it \(apt-get install bpftrace\) or set NETMON_BPFTRACE=/
    );
  } else {
    // Without root the privileges check comes first, and it names bpftrace too.
    assert.equal(run.code, 77);
    assert.match(run.stderr, /^error: capture needs root: bpftrace/);
  }
  assert.equal(existsSync(dir), false);
});

test(
  'up --sink vector sends each interval to Vector, spooling on the way, and writes no local store',
  { skip: skipWithoutBpftrace, timeout: 120_000 },
  async () => {
    assertBpftraceAvailable();
    const endpoint = await TestVectorEndpoint.start();
    // Vector is away at first: the records wait in the spool and arrive once it answers.
    endpoint.answer = () => (endpoint.requests.length < 2 ? 'fail' : 'ok');
    const dir = join(work, 'vector');
    try {
      const run = await runNetmon(['up', '--sink', 'vector', '--duration', '4', '--interval', '1', '--data-dir', dir], {
        env: { NETMON_VECTOR_URL: endpoint.url },
      });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '');
      const lines = run.stdout.trimEnd().split('\n');
      const sending = `netmon up: sending to vector at ${endpoint.url}; capturing with `;
      assert.match(lines.find((l) => l.startsWith(sending)) ?? run.stdout, /capturing with \S*bpftrace every 1s$/);
      assert.ok(
        lines.includes(`netmon up: spooling unsent records in ${join(dir, 'spool')} (at most 1073741824 bytes)`),
        run.stdout
      );
      assert.ok(
        lines.some((l) => l.startsWith('netmon up: no local UI with --sink vector')),
        run.stdout
      );
      assert.match(lines.at(-1) ?? '', /^netmon up: wrote \d+ rows in \d+ intervals$/, 'nothing dropped, nothing left');
      assert.deepEqual(readdirSync(dir), ['spool'], 'no embedded store in the data dir');
      assert.deepEqual(
        readdirSync(join(dir, 'spool')).filter((f) => f.endsWith('.seg')),
        []
      );

      const tables = new Set(endpoint.requests.map((q) => q.path));
      assert.ok(tables.has('/v1/agent_health'), [...tables].join(', '));
      const health = [...endpoint.delivered.values()].filter((r) => 'records_spooled' in r);
      assert.ok(health.length >= 4, `${health.length} agent_health rows`);
      const sum = (k: string) => health.reduce((n, r) => n + Number(r[k]), 0);
      const wrote = Number(/wrote (\d+) rows/.exec(lines.at(-1)!)![1]);
      assert.equal(endpoint.delivered.size, wrote, 'what the agent counts as written arrived, once');
      assert.ok(sum('records_spooled') > 0 && sum('records_dropped') === 0);
      assert.ok(
        health.some((r) => Number(r.spool_bytes) > 0),
        'the backlog showed in spool_bytes'
      );
    } finally {
      await endpoint.down();
    }
  }
);

test(
  'records Vector never took stay spooled at the stop and the next up sends them first, once',
  { skip: skipWithoutBpftrace, timeout: 120_000 },
  async () => {
    assertBpftraceAvailable();
    const endpoint = await TestVectorEndpoint.start();
    const dir = join(work, 'vector-restart');
    const up = () =>
      runNetmon(['up', '--sink', 'vector', '--duration', '2', '--interval', '1', '--no-ui', '--data-dir', dir], {
        env: { NETMON_VECTOR_URL: endpoint.url },
      });
    try {
      endpoint.answer = () => 'fail';
      const first = await up();
      assert.equal(first.code, 0, first.stderr);
      const left = /; (\d+) stay spooled in (\S+) for the next start$/.exec(
        first.stdout.trimEnd().split('\n').at(-1) ?? ''
      );
      assert.ok(left, first.stdout);
      assert.equal(left[2], join(dir, 'spool'));
      // Only the oldest batch was tried (a failure ends a flush); tokens name the agent run.
      const runOf = (token: string | undefined) => token?.split('/')[1];
      const firstRun = runOf(endpoint.requests[0].token);
      assert.ok(endpoint.requests.every((q) => runOf(q.token) === firstRun));

      endpoint.answer = () => 'ok';
      const second = await up();
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /spool: \d+ batches \(\d+ rows\) left by an earlier run are sent first/);
      const delivered = endpoint.requests.filter((q) => q.answer === 'ok');
      const fromFirst = delivered.filter((q) => runOf(q.token) === firstRun);
      assert.equal(fromFirst[0].token, endpoint.requests[0].token, 'oldest first, with its original token');
      assert.deepEqual(delivered.slice(0, fromFirst.length), fromFirst, 'before anything of the second run');
      assert.equal(
        fromFirst.reduce((n, q) => n + q.rows.length, 0),
        Number(left[1]),
        'every row the first run left'
      );
      assert.equal(endpoint.replayedRows, 0, 'nothing arrived twice');
      assert.match(second.stdout.trimEnd().split('\n').at(-1) ?? '', /^netmon up: wrote \d+ rows in \d+ intervals$/);
    } finally {
      await endpoint.down();
    }
  }
);

test('bad --spool-max-bytes and --vector-url values are usage errors naming what is expected; so is a fractional --interval', async () => {
  const size = await runNetmon(['up', '--spool-max-bytes', '12X', '--data-dir', join(work, 'v')]);
  assert.equal(size.code, 2);
  assert.equal(
    size.stderr,
    `error: option '--spool-max-bytes <size>' argument '12X' is invalid. expected a size of at least 1 byte: a number of bytes or one with a k, M or G suffix (powers of 1024), e.g. 512M or 1G, got "12X".\n`
  );
  const url = await runNetmon(['up', '--sink', 'vector', '--vector-url', 'localhost:8687']);
  assert.equal(url.code, 2);
  assert.match(
    url.stderr,
    /argument 'localhost:8687' is invalid\. expected the http:\/\/ or https:\/\/ URL of Vector's http_server source/
  );
  const interval = await runNetmon(['up', '--interval', '1.5', '--data-dir', join(work, 'v')]);
  assert.equal(interval.code, 2);
  assert.equal(
    interval.stderr,
    `error: option '--interval <seconds>' argument '1.5' is invalid. expected a positive whole number, got "1.5".\n`
  );
});

test(
  'up --ui-port 0 serves the UI on 127.0.0.1 while it captures and prints its URL',
  { skip: skipWithoutBpftrace, timeout: 120_000 },
  async () => {
    assertBpftraceAvailable();
    const child = startNetmon([
      'up',
      '--duration',
      '4',
      '--interval',
      '1',
      '--ui-port',
      '0',
      '--data-dir',
      join(work, 'ui'),
    ]);
    const done = finished(child);
    const url = await new Promise<string>((resolve, reject) => {
      let seen = '';
      child.stdout!.on('data', (d: Buffer) => {
        seen += d.toString('utf8');
        const m = /^UI: (\S+)$/m.exec(seen);
        if (m) {
          resolve(m[1]);
        }
      });
      void done.then((r) => reject(new Error(`netmon up exited (${r.code}) before printing the UI:\n${r.stderr}`)));
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/a\/netmon-network-app\/connections$/);
    const settings = await fetch(new URL('/api/host/settings', url));
    assert.deepEqual(await settings.json(), { datasourceUid: 'netmon-clickhouse', database: DATABASE });
    const query = await fetch(new URL('/api/ds/query', url), {
      method: 'POST',
      body: JSON.stringify({
        from: '0',
        to: '1',
        queries: [{ refId: 'A', rawSql: `SELECT count() AS n FROM ${DATABASE}.connections` }],
      }),
    });
    assert.equal(((await query.json()) as { results: { A: { status: number } } }).results.A.status, 200);
    const run = await done;
    assert.equal(run.code, 0, run.stderr);
  }
);

test(
  'a UI port in use is one error naming the port and the flags around it, and a non-zero exit',
  { skip: skipWithoutBpftrace, timeout: 60_000 },
  async () => {
    assertBpftraceAvailable();
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as AddressInfo).port;
    try {
      const run = await runNetmon([
        'up',
        '--duration',
        '1',
        '--ui-port',
        String(port),
        '--data-dir',
        join(work, 'busy'),
      ]);
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr,
        `error: cannot serve the UI: 127.0.0.1:${port} is already in use; pick another port with --ui-port N (0 = any free port) or skip the UI with --no-ui\n`
      );
    } finally {
      taken.close();
    }
  }
);

test('--ui-port outside [0, 65535] is a usage error naming the range', async () => {
  const run = await runNetmon(['up', '--ui-port', '70000', '--data-dir', join(work, 'v')]);
  assert.equal(run.code, 2);
  assert.equal(
    run.stderr,
    `error: option '--ui-port <port>' argument '70000' is invalid. expected a port in [0, 65535] (0 = any free port), got "70000".\n`
  );
});
