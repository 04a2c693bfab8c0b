import type { IngestRows, IngestTable } from '../shared/schema';
import type { QueryParams } from '../shared/sql/query';
import type { ControlClient } from './controlClient';
import type { ResultFormat, Store } from './store';

/**
 * A Store whose calls run in the process that owns an embedded data dir, over its control socket.
 * Callers cannot tell it from the owner's store: same results, same error messages.
 */
export function remoteStore(client: ControlClient, description: string): Store {
  return {
    description,

    async query<T>(sql: string, params?: QueryParams): Promise<T[]> {
      return (await client.request({ op: 'query', sql, params })) as T[];
    },

    async queryText(sql: string, format: ResultFormat, params?: QueryParams): Promise<string> {
      return (await client.request({ op: 'queryText', sql, format, params })) as string;
    },

    async command(sql: string, params?: QueryParams): Promise<void> {
      await client.request({ op: 'command', sql, params });
    },

    async insert<T extends IngestTable>(
      table: T,
      rows: ReadonlyArray<IngestRows[T]>,
      dedupToken?: string
    ): Promise<void> {
      await client.request({ op: 'insert', table, rows: [...rows], dedupToken });
    },

    close: () => client.close(),
  };
}
