import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';

/**
 * A steady, known load for the agent: short TCP connections over loopback at a set rate, each
 * one request of REQUEST_BYTES and one answer of ANSWER_BYTES, the client closing first (so its
 * port sits in TIME-WAIT and is not reused during a run). The agent writes two connections rows
 * for each (the outbound and the inbound side), so 500 connections/s is about 1,000 records/s.
 * The ground truth is the client port of every connection that completed.
 */

export const REQUEST_BYTES = 100;
export const ANSWER_BYTES = 200;
/** Connections started per tick, never more than this many open at once, so a slow moment cannot pile up. */
const TICK_MS = 20;
const MAX_IN_FLIGHT = 256;

export interface LoadTruth {
  readonly serverPort: number;
  /** Client ports of the completed connections, in completion order. */
  readonly clientPorts: readonly number[];
  /** Connections that failed or were not started because too many were open. */
  readonly failed: number;
  readonly skipped: number;
  readonly seconds: number;
}

export class LoopbackLoad {
  private readonly clientPorts: number[] = [];
  private failed = 0;
  private skipped = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly started = Date.now();

  private constructor(
    private readonly server: Server,
    readonly serverPort: number
  ) {}

  /** Starts `perSecond` connections a second to a server of its own on 127.0.0.1. */
  static async start(perSecond: number): Promise<LoopbackLoad> {
    if (!(perSecond > 0)) {
      throw new RangeError(`LoopbackLoad perSecond: expected a rate > 0, got ${perSecond}`);
    }
    const server = createServer((socket) => {
      socket.on('data', () => undefined);
      socket.on('end', () => socket.end(Buffer.alloc(ANSWER_BYTES, 0x62)));
      socket.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const load = new LoopbackLoad(server, (server.address() as AddressInfo).port);
    let owed = 0;
    load.timer = setInterval(() => {
      owed += (perSecond * TICK_MS) / 1000;
      for (; owed >= 1; owed--) {
        load.connect();
      }
    }, TICK_MS);
    return load;
  }

  /** Connections completed so far. */
  get completed(): number {
    return this.clientPorts.length;
  }

  /** Stops starting connections, waits for the open ones, and closes the server. */
  async stop(): Promise<LoadTruth> {
    clearInterval(this.timer);
    const deadline = Date.now() + 10_000;
    while (this.inFlight > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    return {
      serverPort: this.serverPort,
      clientPorts: [...this.clientPorts],
      failed: this.failed + this.inFlight,
      skipped: this.skipped,
      seconds: (Date.now() - this.started) / 1000,
    };
  }

  private connect(): void {
    if (this.inFlight >= MAX_IN_FLIGHT) {
      this.skipped++;
      return;
    }
    this.inFlight++;
    let received = 0;
    let localPort = 0;
    const socket = createConnection({ host: '127.0.0.1', port: this.serverPort }, () => {
      localPort = socket.localPort ?? 0;
      socket.end(Buffer.alloc(REQUEST_BYTES, 0x61));
    });
    socket.on('data', (d: Buffer) => (received += d.length));
    socket.on('error', () => undefined);
    socket.on('close', (hadError) => {
      this.inFlight--;
      if (!hadError && received === ANSWER_BYTES && localPort !== 0) {
        this.clientPorts.push(localPort);
      } else {
        this.failed++;
      }
    });
  }
}
