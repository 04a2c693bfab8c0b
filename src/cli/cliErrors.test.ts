import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommanderError } from 'commander';
import { EXIT_RUNTIME, EXIT_USAGE, reportFor, UsageError } from './cliErrors';

test('commander errors exit 2 without a second message; help and version exit 0', () => {
  assert.deepEqual(reportFor(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'")), {
    exitCode: EXIT_USAGE,
  });
  assert.deepEqual(reportFor(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)')), { exitCode: 0 });
  assert.deepEqual(reportFor(new CommanderError(0, 'commander.version', '0.1.0')), { exitCode: 0 });
});

test('usage errors exit 2, everything else 1, with the first line of the message only', () => {
  assert.deepEqual(reportFor(new UsageError('the query is empty')), {
    message: 'error: the query is empty',
    exitCode: EXIT_USAGE,
  });
  assert.deepEqual(reportFor(new Error('Code: 62. Syntax error\n  at Foo (x.ts:1)')), {
    message: 'error: Code: 62. Syntax error',
    exitCode: EXIT_RUNTIME,
  });
  assert.deepEqual(reportFor('plain'), { message: 'error: plain', exitCode: EXIT_RUNTIME });
});
