import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IP_TEXT_CASES } from './ipTextCases';
import { writeIpv6 } from './ipv6Bytes';

function bytes(text: string): string | undefined {
  const out = new Uint8Array(18).fill(0xee);
  if (!writeIpv6(text, out, 1)) {
    return undefined;
  }
  assert.equal(out[0], 0xee, 'wrote before the offset');
  assert.equal(out[17], 0xee, 'wrote past the 16 bytes');
  return Buffer.from(out.subarray(1, 17)).toString('hex');
}

describe('writeIpv6', () => {
  it('writes IPv4 and IPv6 text as ClickHouse stores it, and refuses what is not an address', () => {
    assert.ok(IP_TEXT_CASES.some(([, hex]) => hex === undefined) && IP_TEXT_CASES.some(([, hex]) => hex !== undefined));
    for (const [text, hex] of IP_TEXT_CASES) {
      assert.equal(bytes(text), hex, JSON.stringify(text));
    }
  });
});
