import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { clickhouseUrl, positiveInteger, positiveSeconds } from './optionParsers';

test('positiveInteger takes whole numbers from 1 and names the bad value otherwise', () => {
  assert.equal(positiveInteger('1'), 1);
  assert.equal(positiveInteger('365'), 365);
  for (const bad of ['0', '-3', '1.5', 'abc', '', ' ', '1e3', '0x10', '99999999999999999999']) {
    assert.throws(
      () => positiveInteger(bad),
      (e: Error) =>
        e instanceof InvalidArgumentError && e.message.includes(`"${bad}"`) && /positive whole number/.test(e.message)
    );
  }
});

test('positiveSeconds takes fractions but not zero, negatives or words', () => {
  assert.equal(positiveSeconds('10'), 10);
  assert.equal(positiveSeconds('0.5'), 0.5);
  for (const bad of ['0', '-1', 'ten', '', 'Infinity', 'NaN']) {
    assert.throws(
      () => positiveSeconds(bad),
      (e: Error) => e instanceof InvalidArgumentError && e.message.includes(`"${bad}"`)
    );
  }
});

test('clickhouseUrl accepts http(s) URLs as given and rejects the rest', () => {
  assert.equal(clickhouseUrl('http://default:secret@localhost:8123'), 'http://default:secret@localhost:8123');
  assert.equal(clickhouseUrl('https://ch.example.com:8443/'), 'https://ch.example.com:8443/');
  assert.throws(() => clickhouseUrl('localhost:8123'), /http:\/\/ or https:\/\/.*"localhost:8123"/);
  assert.throws(
    () => clickhouseUrl('not a url'),
    /expected a URL like http:\/\/user:password@host:8123, got "not a url"/
  );
  assert.throws(() => clickhouseUrl('tcp://host:9000'), InvalidArgumentError);
});
