/**
 * The agent's log lines with the time each arrived, and a wait for the next one that matches: the
 * reliability tests follow the supervisor through what it tells a person.
 */
export class AgentLog {
  readonly lines: Array<{ at: number; text: string }> = [];
  private waiters: Array<() => void> = [];

  readonly log = (text: string): void => {
    this.lines.push({ at: Date.now(), text });
    this.waiters.forEach((w) => w());
  };

  /** The first line at or after `since` (epoch ms) matching `pattern`; fails after `ms`. */
  until(pattern: RegExp, since: number, ms: number): Promise<{ at: number; match: RegExpMatchArray }> {
    return new Promise((resolve, reject) => {
      const find = () => {
        for (const line of this.lines) {
          const match = line.at >= since ? pattern.exec(line.text) : null;
          if (match !== null) {
            return { at: line.at, match };
          }
        }
        return undefined;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`no log line matching ${pattern} within ${ms} ms; log:\n${this.text()}`));
      }, ms);
      const check = () => {
        const found = find();
        if (found !== undefined) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve(found);
        }
      };
      this.waiters.push(check);
      check();
    });
  }

  text(): string {
    return this.lines.map((l) => `${new Date(l.at).toISOString()} ${l.text}`).join('\n');
  }
}
