import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuplicatePackets } from './duplicatePackets';

const MS = 1e6;
const p = (...b: number[]) => Uint8Array.from(b);

describe('DuplicatePackets', () => {
  it('takes the same bytes within the window as a copy, and after it as a new packet', () => {
    const d = new DuplicatePackets(10 * MS, 100);
    assert.equal(d.isDuplicate(0, p(1, 2, 3)), false);
    assert.equal(d.isDuplicate(10 * MS, p(1, 2, 3)), true, 'at the edge of the window');
    assert.equal(d.isDuplicate(5 * MS, p(1, 2, 4)), false, 'other bytes');
    assert.equal(d.isDuplicate(21 * MS, p(1, 2, 3)), false, 'a resend after the window');
    assert.equal(d.isDuplicate(22 * MS, p(1, 2, 3)), true, 'and its own copy');
  });

  it('compares whole payloads, including bytes past 0x7f and views into larger buffers', () => {
    const d = new DuplicatePackets(MS, 100);
    const backing = Uint8Array.from([9, 0x80, 0xff, 0x00, 9]);
    assert.equal(d.isDuplicate(0, backing.subarray(1, 4)), false);
    assert.equal(d.isDuplicate(1, p(0x80, 0xff, 0x00)), true);
    assert.equal(d.isDuplicate(2, p(0x80, 0xff)), false);
  });

  it('forgets the oldest payloads beyond its size bound', () => {
    const d = new DuplicatePackets(1000 * MS, 2);
    d.isDuplicate(0, p(1));
    d.isDuplicate(1, p(2));
    d.isDuplicate(2, p(3));
    d.isDuplicate(3, p(4));
    assert.equal(d.isDuplicate(4, p(1)), false, 'the first was dropped to stay within 2 entries');
    assert.equal(d.isDuplicate(5, p(4)), true);
  });
});
