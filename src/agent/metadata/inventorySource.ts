import { readFileSync, statSync } from 'node:fs';
import { parseInventory } from './inventoryFile';
import type { InventoryEntry } from './metadataRecords';

export interface InventorySourceOptions {
  readonly path: string;
  readonly index: { setInventory(entries: readonly InventoryEntry[]): void };
  /** One line per event a person may need: loaded, rejected (with every mistake), unreadable. */
  readonly log: (message: string) => void;
  /** How often the file is checked for changes. */
  readonly pollMs?: number;
}

/**
 * Feeds the index from the inventory file and follows its changes. Polls the file's stat rather
 * than fs.watch: editors and config management replace files by rename, which a watch on the
 * old inode misses, and a file that appears later is picked up the same way.
 *
 * A file with any mistake is rejected whole and the last good version stays in force (a typo
 * in one entry must not drop every other entry); capture never stops for it. A file that goes
 * away clears the inventory.
 */
export class InventorySource {
  private readonly pollMs: number;
  private timer: NodeJS.Timeout | undefined;
  private signature = '';
  private loaded = false;

  constructor(private readonly options: InventorySourceOptions) {
    this.pollMs = options.pollMs ?? 2000;
  }

  start(): void {
    this.check();
    this.timer ??= setInterval(() => this.check(), this.pollMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the file if it changed since the last look. */
  check(): void {
    const { path, log } = this.options;
    let signature: string;
    try {
      const stat = statSync(path);
      signature = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch (err) {
      signature = `missing:${(err as NodeJS.ErrnoException).code}`;
      if (signature !== this.signature) {
        this.signature = signature;
        this.apply([]);
        log(`inventory ${path}: cannot read it (${(err as Error).message}); running without inventory metadata`);
      }
      return;
    }
    if (signature === this.signature) {
      return;
    }
    this.signature = signature;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      log(`inventory ${path}: cannot read it (${(err as Error).message}); ${this.keeping()}`);
      return;
    }
    const parsed = parseInventory(text, path);
    if (!parsed.ok) {
      log(`inventory ${path} rejected; ${this.keeping()}:\n  ${parsed.errors.join('\n  ')}`);
      return;
    }
    this.apply(parsed.entries);
    log(`inventory ${path}: ${parsed.entries.length} entries loaded`);
  }

  private apply(entries: readonly InventoryEntry[]): void {
    this.options.index.setInventory(entries);
    this.loaded = entries.length > 0;
  }

  private keeping(): string {
    return this.loaded ? 'keeping the previous version' : 'running without inventory metadata';
  }
}
