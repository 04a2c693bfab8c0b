/**
 * The client side of the control socket (protocol in controlServer.ts): one connection, many
 * requests in flight, each answered by id. Errors from the owner keep their message.
 */
import { connect, type Socket } from 'node:net';
import { LineSplitter, type ControlOp, type ControlResponse } from './controlServer';

/** Query results come back as one line; past this the client gives up rather than exhaust memory. */
export const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

export interface ControlClient {
  request(op: ControlOp): Promise<unknown>;
  close(): Promise<void>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/**
 * Connects to the socket at `address`; `owner` names the serving side in errors
 * ("netmon pid 123 on ./data"). Rejects with the socket error (ENOENT, ECONNREFUSED) when nobody listens.
 */
export async function connectControl(address: string, owner: string): Promise<ControlClient> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(address);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let failure: Error | undefined;

  const failAll = (err: Error) => {
    failure ??= err;
    for (const p of pending.values()) {
      p.reject(failure);
    }
    pending.clear();
  };

  const splitter = new LineSplitter(MAX_RESPONSE_BYTES);
  socket.on('data', (chunk: Buffer) => {
    let lines: string[];
    try {
      lines = splitter.push(chunk);
    } catch (err) {
      failAll(new Error(`a response from ${owner} ${(err as Error).message}`));
      socket.destroy();
      return;
    }
    for (const line of lines) {
      settle(line);
    }
  });
  socket.on('error', (err) => failAll(new Error(`lost the connection to ${owner}: ${err.message}`)));
  socket.on('close', () => failAll(new Error(`${owner} closed the connection before answering (did it stop?)`)));

  function settle(line: string): void {
    let res: ControlResponse;
    try {
      res = JSON.parse(line) as ControlResponse;
    } catch {
      failAll(new Error(`${owner} sent a response that is not JSON`));
      socket.destroy();
      return;
    }
    if (res.id === null) {
      // The owner could not read which request failed, so it cannot be matched to one.
      failAll(new Error(res.ok ? `${owner} answered without an id` : res.error));
      return;
    }
    const p = pending.get(res.id);
    if (p === undefined) {
      return;
    }
    pending.delete(res.id);
    if (res.ok) {
      p.resolve(res.result);
    } else {
      p.reject(new Error(res.error));
    }
  }

  return {
    request(op) {
      if (failure !== undefined) {
        return Promise.reject(failure);
      }
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        socket.write(`${JSON.stringify({ ...op, id })}\n`);
      });
    },
    async close() {
      failure ??= new Error(`the connection to ${owner} was closed`);
      socket.destroy();
    },
  };
}
