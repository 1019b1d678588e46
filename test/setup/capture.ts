// Shared by tests that read what the server writes or need a port of their own.
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger } from '../../src/logging/logger';

/** A logger whose lines the test reads: `lines` as written, `records()` parsed. */
export function captureLog(logLevel = 'info'): { log: Logger; lines: string[]; records(): Record<string, unknown>[] } {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _encoding, done) { lines.push(...String(chunk).split('\n').filter(Boolean)); done(); } });
  return { log: createLogger({ logLevel }, sink), lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => { probe.once('error', reject); probe.listen(0, '127.0.0.1', resolve); });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}
