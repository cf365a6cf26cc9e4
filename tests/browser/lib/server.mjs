// Starting and stopping a tweetchat server (for run.sh and for the restart test).

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { openSync } from 'node:fs';
import { join } from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function waitReady(url, { timeoutMs = 60000, proc } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc && proc.exitCode !== null) throw new Error(`the server exited early with ${proc.exitCode}`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url}/readyz was not 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts `bin` on `port` with `dataDir`; logs go to <dataDir>/server-<n>.log. */
export async function startServer({ bin, port, dataDir, webDir, logName = 'server.log' }) {
  const url = `http://127.0.0.1:${port}`;
  const args = [
    '--bind', `127.0.0.1:${port}`,
    '--public-url', url,
    '--data-dir', dataDir,
    '--post-rate-per-minute', '600',
    '--shutdown-grace-seconds', '3',
  ];
  if (webDir) args.push('--web-dir', webDir);
  const log = openSync(join(dataDir, logName), 'a');
  const proc = spawn(bin, args, { stdio: ['ignore', log, log], env: process.env });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  await waitReady(url, { proc });
  return {
    url,
    proc,
    exited,
    /** SIGTERM and wait for the exit. */
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 30000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
