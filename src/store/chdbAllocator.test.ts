import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHDB_MALLOC_CONF, chdbMallocConf } from './chdbAllocator';

test('chDB gets huge pages unless the user set its allocator options', () => {
  assert.equal(CHDB_MALLOC_CONF, 'thp:always');
  assert.equal(chdbMallocConf(undefined), 'thp:always');
  assert.equal(chdbMallocConf('thp:default'), 'thp:default');
  assert.equal(chdbMallocConf('dirty_decay_ms:1000'), 'dirty_decay_ms:1000');
  // Set but empty is still the user's choice: jemalloc's defaults.
  assert.equal(chdbMallocConf(''), '');
});
