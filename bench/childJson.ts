import { spawn } from 'node:child_process';

/**
 * Runs a TypeScript benchmark in its own node process (one chDB engine per process, and a fresh
 * process per measurement so no run inherits another's warm caches or garbage). Its stderr
 * (progress) passes through; resolves to its stdout.
 */
export function runChild(script: string, args: readonly string[]): Promise<string> {
  const command = `node --import tsx ${script} ${args.join(' ')}`.trim();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) {
        resolve(Buffer.concat(chunks).toString('utf8'));
      } else {
        reject(new Error(`${command} exited with code ${code} (signal ${signal})`));
      }
    });
  });
}

/** runChild of a script that prints one JSON document on stdout. */
export async function runChildJson<T>(script: string, args: readonly string[]): Promise<T> {
  const out = await runChild(script, args);
  try {
    return JSON.parse(out) as T;
  } catch {
    throw new Error(
      `node --import tsx ${script} ${args.join(' ')}: expected JSON on stdout, got "${out.slice(0, 200)}"`
    );
  }
}
