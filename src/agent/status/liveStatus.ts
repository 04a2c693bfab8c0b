import type { IntervalReport } from '../agent';
import { statusBlock, statusLine } from './statusText';

/** Where the status goes: process.stdout in `netmon up`. */
export interface StatusStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Cursor to the start of the line `n` lines up, then clear to the end of the screen. */
const eraseUp = (n: number) => `\x1b[${n}F\x1b[J`;

/**
 * On a terminal, the latest status block redrawn in place, with log lines printed above it; in
 * a pipe or file, one status line per interval between the log lines.
 */
export class LiveStatus {
  private block: string[] = [];

  constructor(private readonly out: StatusStream) {}

  show(report: IntervalReport): void {
    if (this.out.isTTY !== true) {
      this.out.write(`${statusLine(report)}\n`);
      return;
    }
    const erase = this.block.length > 0 ? eraseUp(this.block.length) : '';
    this.block = statusBlock(report).map((line) => this.fit(line));
    this.out.write(`${erase}${this.block.join('\n')}\n`);
  }

  /** A message for a person, kept above the block. */
  log(line: string): void {
    if (this.out.isTTY !== true || this.block.length === 0) {
      this.out.write(`${line}\n`);
      return;
    }
    this.out.write(`${eraseUp(this.block.length)}${line}\n${this.block.join('\n')}\n`);
  }

  /** Cut to the terminal's width: a wrapped line would take two rows and the redraw would miscount. */
  private fit(line: string): string {
    const width = this.out.columns;
    return width !== undefined && width > 1 && line.length >= width ? `${line.slice(0, width - 2)}…` : line;
  }
}
