/**
 * Cuts a byte stream into lines. Bytes are kept until the newline so a UTF-8 character split
 * across chunks decodes whole. A line longer than the cap is dropped entirely and counted: a cut
 * JSON line is useless to the parser, and an unbounded buffer would let one runaway line (a
 * map print with millions of keys) take the agent's memory.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private partBytes = 0;
  private discarding = false;
  /** Lines dropped for exceeding the cap. */
  oversizedLines = 0;

  constructor(private readonly maxLineBytes: number) {
    if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1) {
      throw new Error(`maxLineBytes: expected a positive whole number of bytes, got ${maxLineBytes}`);
    }
  }

  /** The lines this chunk completes, without their newline. Empty lines are skipped. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      this.take(chunk.subarray(start, nl));
      const line = this.finish();
      if (line !== undefined) {
        lines.push(line);
      }
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.take(chunk.subarray(start));
    }
    return lines;
  }

  /** At end of stream: the last line if it had no newline. */
  end(): string[] {
    const line = this.finish();
    return line === undefined ? [] : [line];
  }

  private take(piece: Buffer): void {
    if (this.discarding || piece.length === 0) {
      return;
    }
    if (this.partBytes + piece.length > this.maxLineBytes) {
      this.discarding = true;
      this.oversizedLines++;
      this.parts = [];
      this.partBytes = 0;
      return;
    }
    this.parts.push(piece);
    this.partBytes += piece.length;
  }

  private finish(): string | undefined {
    const wasDiscarding = this.discarding;
    const text = this.partBytes === 0 ? '' : Buffer.concat(this.parts, this.partBytes).toString('utf8');
    this.parts = [];
    this.partBytes = 0;
    this.discarding = false;
    return wasDiscarding || text === '' ? undefined : text;
  }
}
