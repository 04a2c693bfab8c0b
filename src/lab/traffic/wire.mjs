// Shared by the traffic tools. Plain JavaScript: a pod process starts in ~0.2 s with node alone
// but ~1 s through tsx, and a scenario starts dozens of them.

/** The client's first 16 bytes: how many bytes it will upload after them, and how many it wants back. */
export const HEADER_BYTES = 16;
export const CHUNK_BYTES = 64 * 1024;
export const ZEROS = Buffer.alloc(CHUNK_BYTES);

/** Options arrive as one JSON argument, so the lab and the tool share one shape. */
export function readOptions(tool) {
  try {
    return JSON.parse(process.argv[2] ?? '');
  } catch {
    fail(`${tool}: expected one JSON argument with the options, got ${JSON.stringify(process.argv[2])}`);
  }
}

/** Sets the command name (comm) the kernel, and so the agent, reports for this process. */
export function nameProcess(comm) {
  process.title = comm;
}

/** One JSON object per line on stdout: the tool's ground truth, as it happens. */
export function emit(record) {
  process.stdout.write(`${JSON.stringify({ pid: process.pid, ...record })}\n`);
}

export function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

export function encodeHeader(upload, download) {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeBigUInt64BE(BigInt(upload), 0);
  header.writeBigUInt64BE(BigInt(download), 8);
  return header;
}

export function decodeHeader(buf) {
  return { upload: Number(buf.readBigUInt64BE(0)), download: Number(buf.readBigUInt64BE(8)) };
}

export function endpoint(ip, port) {
  return { ip, port };
}

/** Resolves once stdin closes: the lab's "finish and report". */
export function untilStdinEnds() {
  return new Promise((resolve) => {
    process.stdin.on('end', resolve).on('close', resolve).resume();
  });
}

/** Writes n zero bytes, honouring backpressure; resolves when all are handed to the kernel. */
export async function writeBytes(socket, n) {
  let left = n;
  while (left > 0) {
    const size = Math.min(left, CHUNK_BYTES);
    left -= size;
    if (!socket.write(size === CHUNK_BYTES ? ZEROS : ZEROS.subarray(0, size))) {
      await new Promise((resolve, reject) => {
        socket.once('drain', resolve);
        socket.once('close', () => reject(new Error('socket closed while writing')));
      });
    }
  }
}
