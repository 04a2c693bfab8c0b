import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inlineParams, quoteLiteral } from './escape';
import { HOSTILE_STRINGS } from './testFixtures';

describe('quoteLiteral', () => {
  it('escapes backslash, quote and every control character, and keeps unicode', () => {
    assert.equal(quoteLiteral("O'Brien"), "'O\\'Brien'");
    assert.equal(quoteLiteral('a\\b'), "'a\\\\b'");
    assert.equal(quoteLiteral("\\'"), "'\\\\\\''");
    assert.equal(quoteLiteral('l1\nl2\r\t'), "'l1\\x0al2\\x0d\\x09'");
    assert.equal(quoteLiteral('nul\u0000\u001b\u007f'), "'nul\\x00\\x1b\\x7f'");
    assert.equal(quoteLiteral('-- /* ünï 🙂'), "'-- /* ünï 🙂'");
    assert.equal(quoteLiteral(''), "''");
  });

  it('hides $ and [ from Grafana template and macro expansion', () => {
    assert.equal(
      quoteLiteral('$ns ${ns} [[ns]] $__timeFilter(ts)'),
      "'\\x24ns \\x24{ns} \\x5b\\x5bns]] \\x24__timeFilter(ts)'"
    );
  });

  it('never leaves an unescaped quote or a raw control character in a hostile string', () => {
    for (const s of HOSTILE_STRINGS) {
      const body = quoteLiteral(s).slice(1, -1);
      const unescaped = body.replace(/\\(\\|'|x[0-9a-f]{2})/g, '');
      assert.doesNotMatch(unescaped, /['\\\u0000-\u001f\u007f]/, JSON.stringify(s));
    }
  });

  it('leaves nothing for Grafana template interpolation to rewrite in a hostile string', () => {
    // Grafana's variableRegex (public/app/features/variables/utils.ts).
    const variable = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^\}]+))?(?::([^\}]+))?}/;
    for (const s of HOSTILE_STRINGS) {
      assert.doesNotMatch(quoteLiteral(s), variable, JSON.stringify(s));
    }
    assert.ok(
      HOSTILE_STRINGS.some((s) => variable.test(s)),
      'the fixture carries variable syntax'
    );
  });

  it('renders numbers, booleans and arrays; rejects non-finite numbers', () => {
    assert.equal(quoteLiteral(443), '443');
    assert.equal(quoteLiteral(-1.5), '-1.5');
    assert.equal(quoteLiteral(true), 'true');
    assert.equal(quoteLiteral(['a', "b'"]), "['a', 'b\\'']");
    assert.equal(quoteLiteral([]), '[]');
    assert.throws(() => quoteLiteral(NaN), /expected a finite number, got NaN/);
  });
});

describe('inlineParams', () => {
  it('casts each placeholder to its declared type', () => {
    const sql = inlineParams({
      sql: "SELECT 1 WHERE ts >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') AND ip = {f0:IPv6} AND p IN {f1:Array(UInt16)}",
      params: { from_ms: 1700000000000, f0: '::ffff:10.0.0.1', f1: [53, 443] },
    });
    assert.equal(
      sql,
      "SELECT 1 WHERE ts >= fromUnixTimestamp64Milli(CAST(1700000000000 AS Int64), 'UTC') AND ip = CAST('::ffff:10.0.0.1' AS IPv6) AND p IN CAST([53, 443] AS Array(UInt16))"
    );
  });

  it('does not rescan values, so a value that looks like a placeholder stays text', () => {
    assert.equal(
      inlineParams({ sql: 'SELECT {f0:String}, {f1:String}', params: { f0: '{f1:String}', f1: "x'" } }),
      "SELECT CAST('{f1:String}' AS String), CAST('x\\'' AS String)"
    );
  });

  it('names a placeholder without a value', () => {
    assert.throws(
      () => inlineParams({ sql: 'SELECT {limit:UInt32}', params: {} }),
      /placeholder \{limit:UInt32\} has no value/
    );
  });
});
