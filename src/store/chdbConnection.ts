/**
 * The one way this codebase loads chDB: chdbAllocator comes first because chDB's allocator reads
 * its options once, when 'chdb' loads, so every process that opens the embedded engine through
 * here gets the same ones, whatever its other imports.
 */
import './chdbAllocator';

export { createChdbConnection } from 'chdb/connection';
