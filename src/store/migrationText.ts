import { DEFAULT_TTL_DAYS, type TtlTier } from '../shared/schema';
import { StoreError } from './storeError';

/** A hundred years: anything longer is a typo, not a retention policy. */
export const MAX_TTL_DAYS = 36500;

const TTL_TIERS = Object.keys(DEFAULT_TTL_DAYS) as TtlTier[];

/** The defaults with the given overrides, each checked to be a whole number of days in range. */
export function resolveTtlDays(overrides: Partial<Record<TtlTier, number>> = {}): Record<TtlTier, number> {
  const resolved = { ...DEFAULT_TTL_DAYS };
  for (const [tier, days] of Object.entries(overrides) as Array<[string, number | undefined]>) {
    if (!TTL_TIERS.includes(tier as TtlTier)) {
      throw new StoreError(`unknown retention tier "${tier}"; expected one of ${TTL_TIERS.join(', ')}`);
    }
    if (days === undefined) {
      continue;
    }
    if (!Number.isInteger(days) || days < 1 || days > MAX_TTL_DAYS) {
      throw new StoreError(
        `retention for the ${tier} tier is ${String(days)} days; expected a whole number from 1 to ${MAX_TTL_DAYS}`
      );
    }
    resolved[tier as TtlTier] = days;
  }
  return resolved;
}

/**
 * Fills the `{{ttl_<tier>_days}}` placeholders of a migration file. Any other `{{...}}` is an error
 * rather than text passed to ClickHouse, so a misspelt placeholder cannot reach a live table.
 */
export function renderMigration(fileName: string, text: string, ttlDays: Record<TtlTier, number>): string {
  return text.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_whole, name: string) => {
    const tier = /^ttl_(\w+)_days$/.exec(name)?.[1];
    if (tier === undefined || !TTL_TIERS.includes(tier as TtlTier)) {
      const known = TTL_TIERS.map((t) => `{{ttl_${t}_days}}`).join(', ');
      throw new StoreError(`${fileName}: unknown placeholder {{${name}}}; expected one of ${known}`);
    }
    return String(ttlDays[tier as TtlTier]);
  });
}

/**
 * Splits a migration file into statements on `;`, dropping `--` comments. Quotes are tracked so a
 * `;` or `--` inside a string literal or a quoted identifier stays part of the statement.
 */
export function splitStatements(text: string): string[] {
  const statements: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote !== undefined) {
      current += ch;
      if (ch === '\\' && i + 1 < text.length) {
        current += text[++i];
      } else if (ch === quote) {
        quote = undefined;
      }
    } else if (ch === "'" || ch === '"' || ch === '`') {
      quote = ch;
      current += ch;
    } else if (ch === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end - 1;
    } else if (ch === ';') {
      statements.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (quote !== undefined) {
    throw new StoreError(`unterminated ${quote} quote in migration text; expected every quote to be closed`);
  }
  statements.push(current);
  return statements.map((s) => s.trim()).filter((s) => s.length > 0);
}
