import { isIP } from 'node:net';
import { join } from 'node:path';
import type { LabProcess } from './labProcess';
import type { Runner } from './runner';
import type { Endpoint, TcpTruth, Truth, UdpTruth } from './trafficTruth';

/**
 * Starts the traffic tools (traffic/*.mjs, plain node for a fast start) on a Runner and turns
 * their JSON lines into typed ground truth.
 */

const TOOL_DIR = join(__dirname, 'traffic');

export interface TcpClientOptions {
  readonly to: Endpoint;
  /** Bytes after the 16-byte header; the truth's bytesSent is 16 + upload. */
  readonly upload?: number;
  readonly download?: number;
  /** Spread the upload over this long, so the connection spans several flush intervals. */
  readonly durationMs?: number;
  /** 'reset' aborts with RST once the download is in: outcome 'reset' on both sides. */
  readonly ending?: 'fin' | 'reset';
  /** Gives up (outcome 'timeout') sooner than the kernel's SYN retries would. */
  readonly connectTimeoutMs?: number;
  readonly comm?: string;
}

export interface ListenOptions {
  /** 0 or absent: the kernel picks. */
  readonly port?: number;
  readonly comm?: string;
}

export interface UdpSenderOptions {
  readonly to: Endpoint;
  readonly count: number;
  readonly size: number;
  readonly connected?: boolean;
  /** Lock-step request/echo, so counts are exact on both sides. Default true. */
  readonly echo?: boolean;
  readonly comm?: string;
}

/** A running server or receiver; stop() closes it and returns every flow it saw. */
export interface Listener<T extends Truth> {
  readonly port: number;
  readonly process: LabProcess;
  /** Flows reported so far (a TCP server reports each connection when it closes). */
  reported(): T[];
  stop(): Promise<T[]>;
}

export async function runTcpClient(runner: Runner, opts: TcpClientOptions): Promise<TcpTruth> {
  const proc = await startTool(runner, 'tcpClient', {
    ...opts,
    host: opts.to.ip,
    port: opts.to.port,
    to: undefined,
    upload: opts.upload ?? 0,
    download: opts.download ?? 0,
    localAddress: sourceFor(runner, opts.to.ip),
  });
  const exit = await proc.succeeded();
  return truthsIn<TcpTruth>(exit.stdout, runner)[0] ?? noTruth(proc);
}

export async function runUdpSender(runner: Runner, opts: UdpSenderOptions): Promise<UdpTruth> {
  const proc = await startTool(runner, 'udpSender', {
    ...opts,
    host: opts.to.ip,
    port: opts.to.port,
    to: undefined,
    echo: opts.echo ?? true,
    localAddress: sourceFor(runner, opts.to.ip),
  });
  const exit = await proc.succeeded();
  return truthsIn<UdpTruth>(exit.stdout, runner)[0] ?? noTruth(proc);
}

/** Listens on the runner's IPv4 and IPv6 address, same port. */
export async function startTcpServer(runner: Runner, opts: ListenOptions = {}): Promise<Listener<TcpTruth>> {
  return listen<TcpTruth>(runner, 'tcpServer', { ...opts, addresses: [runner.ip, runner.ip6] });
}

export async function startUdpReceiver(
  runner: Runner,
  opts: ListenOptions & { family?: 4 | 6 } = {}
): Promise<Listener<UdpTruth>> {
  return listen<UdpTruth>(runner, 'udpReceiver', { ...opts, address: opts.family === 6 ? runner.ip6 : runner.ip });
}

async function listen<T extends Truth>(runner: Runner, tool: string, options: object): Promise<Listener<T>> {
  const proc = await startTool(runner, tool, options);
  const listening = JSON.parse(await proc.waitForLine((l) => l.includes('"event":"listening"'))) as { port: number };
  return {
    port: listening.port,
    process: proc,
    reported: () => truthsIn<T>(proc.lines().join('\n'), runner),
    stop: async () => {
      proc.endInput();
      return truthsIn<T>((await proc.succeeded()).stdout, runner);
    },
  };
}

function startTool(runner: Runner, tool: string, options: object): Promise<LabProcess> {
  return runner.spawn(process.execPath, [join(TOOL_DIR, `${tool}.mjs`), JSON.stringify(options)]);
}

/** The runner's own address of the destination's family, so even a failed connect has a known source. */
function sourceFor(runner: Runner, destination: string): string {
  const family = isIP(destination);
  if (family === 0) {
    throw new Error(`traffic destination ${JSON.stringify(destination)}: expected an IPv4 or IPv6 address`);
  }
  return family === 4 ? runner.ip : runner.ip6;
}

function truthsIn<T extends Truth>(stdout: string, runner: Runner): T[] {
  return stdout
    .split('\n')
    .filter((line) => line.includes('"event":"connection"') || line.includes('"event":"flow"'))
    .map((line) => {
      // The JSON boundary: the tools' output shapes are documented in trafficTruth.ts.
      const { event: _event, ...truth } = JSON.parse(line) as Record<string, unknown>;
      return { ...truth, containerId: runner.containerId } as unknown as T;
    });
}

function noTruth(proc: LabProcess): never {
  throw new Error(`lab: ${proc.description} exited cleanly without reporting its ground truth`);
}
