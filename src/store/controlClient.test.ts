/**
 * The control socket as a transport, over a real Unix socket. The store behind it is a stand-in
 * whose answers are derived from the request, because what is tested here is framing, matching of
 * responses to requests and failure handling; the same path on the real engine is in
 * src/cli/sharedDataDir.itest.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connectControl } from './controlClient';
import { serveControlSocket } from './controlServer';
import { remoteStore } from './remoteStore';
import type { Store } from './store';

const dir = mkdtempSync(join(tmpdir(), 'netmon-control-'));
let n = 0;
const freshAddress = () => join(dir, `s${n++}.sock`);

const calls: string[] = [];
/** `query("wait:<ms>:<tag>")` answers [{ tag }] after ms; `fail:<msg>` rejects with msg. */
const standIn: Store = {
  description: 'stand-in',
  async query<T>(sql: string): Promise<T[]> {
    if (sql.startsWith('fail:')) {
      throw new Error(sql.slice('fail:'.length));
    }
    const [, a, b] = sql.split(':');
    await new Promise((r) => setTimeout(r, Number(a)));
    return [{ tag: b }] as T[];
  },
  async queryText(sql, format, params) {
    return `${format}|${sql}|${JSON.stringify(params)}`;
  },
  async command(sql) {
    calls.push(`command ${sql}`);
  },
  async insert(table, rows, token) {
    calls.push(`insert ${table} ${rows.length} ${token}`);
  },
  async close() {},
};

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const close of closers) {
    await close();
  }
});

async function serve(maxRequestBytes?: number) {
  const address = freshAddress();
  const server = await serveControlSocket(standIn, address, maxRequestBytes);
  closers.push(() => server.close());
  return { address, server };
}

async function remote(address: string) {
  const store = remoteStore(await connectControl(address, 'test owner'), 'remote');
  closers.push(() => store.close());
  return store;
}

/** Raw lines from a socket, for tests that speak the protocol by hand. */
function rawClient(address: string): Promise<{ socket: Socket; nextLine(): Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(address, () => {
      let buffered = '';
      const waiting: Array<(line: string) => void> = [];
      const lines: string[] = [];
      socket.on('data', (chunk) => {
        buffered += chunk.toString('utf8');
        for (let i = buffered.indexOf('\n'); i !== -1; i = buffered.indexOf('\n')) {
          lines.push(buffered.slice(0, i));
          buffered = buffered.slice(i + 1);
        }
        while (lines.length > 0 && waiting.length > 0) {
          waiting.shift()!(lines.shift()!);
        }
      });
      resolve({
        socket,
        nextLine: () => (lines.length > 0 ? Promise.resolve(lines.shift()!) : new Promise((r) => waiting.push(r))),
      });
    });
    socket.once('error', reject);
  });
}

test('every Store call goes through and comes back', async () => {
  const { address } = await serve();
  const store = await remote(address);
  assert.deepEqual(await store.query('wait:0:x'), [{ tag: 'x' }]);
  assert.equal(
    await store.queryText('SELECT {a:UInt8}', 'JSONEachRow', { a: 1 }),
    'JSONEachRow|SELECT {a:UInt8}|{"a":1}'
  );
  await store.command('OPTIMIZE TABLE t');
  await store.insert('agent_health', [{} as never, {} as never], 'tok');
  assert.deepEqual(calls.slice(-2), ['command OPTIMIZE TABLE t', 'insert agent_health 2 tok']);
});

test('an error on the owner side arrives with its message', async () => {
  const { address } = await serve();
  const store = await remote(address);
  await assert.rejects(store.query('fail:Code: 60. Unknown table netmon.nope'), {
    message: 'Code: 60. Unknown table netmon.nope',
  });
  assert.deepEqual(await store.query('wait:0:still-usable'), [{ tag: 'still-usable' }]);
});

test('concurrent requests on one connection each get their own answer, whatever the order', async () => {
  const { address } = await serve();
  const store = await remote(address);
  const delays = [60, 10, 40, 0, 30, 20, 50];
  const answers = await Promise.all(delays.map((ms, i) => store.query(`wait:${ms}:r${i}`)));
  assert.deepEqual(
    answers,
    delays.map((_, i) => [{ tag: `r${i}` }])
  );
});

test('a request written in pieces is answered once its line is complete', async () => {
  const { address } = await serve();
  const { socket, nextLine } = await rawClient(address);
  socket.write('{"id":7,"op":"que');
  await new Promise((r) => setTimeout(r, 50));
  socket.write('ry","sql":"wait:0:pieces"}\n{"id":8,"op":"nope"}\n');
  // Answers come in completion order, so they are matched by id.
  const byId = new Map([await nextLine(), await nextLine()].map((l) => [JSON.parse(l).id, JSON.parse(l)]));
  assert.deepEqual(byId.get(7), { id: 7, ok: true, result: [{ tag: 'pieces' }] });
  assert.equal(byId.get(8).ok, false);
  assert.match(byId.get(8).error, /"op" must be one of/);
  socket.destroy();
});

test('a client that leaves mid-line does not disturb the server', async () => {
  const { address } = await serve();
  const { socket } = await rawClient(address);
  socket.write('{"id":1,"op":"query","sql":"wait:0');
  socket.destroy();
  const store = await remote(address);
  assert.deepEqual(await store.query('wait:0:after'), [{ tag: 'after' }]);
});

test('an over-long request gets an error and the connection is closed; others carry on', async () => {
  const { address } = await serve(64);
  const store = await remote(address);
  await assert.rejects(store.query(`wait:0:${'x'.repeat(100)}`), /request line exceeds 64 bytes/);
  await assert.rejects(store.query('wait:0:y'), /request line exceeds 64 bytes/);
  const other = await remote(address);
  assert.deepEqual(await other.query('wait:0:ok'), [{ tag: 'ok' }]);
});

test('a server that vanishes fails the pending request and every later one, naming the owner', async () => {
  const address = freshAddress();
  const dropper = createServer((socket) => socket.on('data', () => socket.destroy()));
  await new Promise<void>((r) => dropper.listen(address, r));
  closers.push(() => new Promise((r) => dropper.close(() => r())));
  const store = await remote(address);
  await assert.rejects(store.query('wait:0:x'), /test owner closed the connection before answering/);
  await assert.rejects(store.query('wait:0:x'), /test owner closed the connection/);
});

test('closing the server lets a request in flight finish', async () => {
  const { address, server } = await serve();
  const store = await remote(address);
  const pending = store.query('wait:100:slow');
  await new Promise((r) => setTimeout(r, 20));
  await server.close();
  assert.deepEqual(await pending, [{ tag: 'slow' }]);
});

test('nobody listening is an error with the socket code', async () => {
  await assert.rejects(connectControl(join(dir, 'absent.sock'), 'nobody'), { code: 'ENOENT' });
});
