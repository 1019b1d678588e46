import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { threadEntry } from '../../common/thread-entry';
import type { DatasetFormat } from './dataset-parsers';
import type { FromRedactor, Redacted, RedactionTask, ToRedactor } from './redaction-thread';

/** Input is sent in messages of at least this many bytes, and at most this many are in the thread unread. */
const CHUNK_BYTES = 64 * 1024;
const CHUNKS_IN_FLIGHT = 4;

export interface Redaction {
  format: DatasetFormat;
  /** The original's bytes, streamed; left unread from where the parse stopped (a fatal issue). */
  source: AsyncIterable<Buffer>;
  /** Receives the redacted JSON lines; its backpressure holds the input back. */
  out: Writable;
  previewRecords: number;
}

/**
 * The worker's redaction threads (piscina): parsing and redacting a dataset, its heaviest work,
 * runs off the worker's event loop, which meanwhile reads the original from S3, hashes it, and
 * encrypts and uploads the redacted copy, on the other core; the other jobs, the outbox relay
 * and BullMQ's lock renewal keep running too. As many threads as validations run at once; an
 * idle one ends after 30 s.
 */
export class RedactionPool {
  private readonly pool: Piscina;

  constructor(threads: number) {
    this.pool = new Piscina({
      filename: threadEntry(['modules/datasets/redaction-thread.ts', 'modules/datasets/dataset-parsers.ts', 'privacy/pii.ts']),
      execArgv: [],
      minThreads: 0,
      maxThreads: threads,
      // Kept a while for the next validation (starting one on a busy machine costs more than the validation of a small file)...
      idleTimeout: 30_000,
      // ...and its young generation capped, for the memory of a training beside it in the same process (at 8 MiB
      // validation ran 0.6x as fast; at 24 as fast as uncapped).
      resourceLimits: { maxYoungGenerationSizeMb: 24 },
      // The task awaits messages on its port: the thread's event loop must run during it.
      atomics: 'disabled',
    });
  }

  /** Live redaction threads. */
  get threads(): number {
    return this.pool.threads.length;
  }

  /** Terminates the running threads (tests: a thread dying mid-validation). */
  async killThreads(): Promise<void> {
    await Promise.all(this.pool.threads.map((thread) => thread.terminate()));
  }

  /** Redacts `source` into `out` (not ended here) and returns the counts, the issues and the preview. */
  async redact(redaction: Redaction): Promise<Redacted> {
    const { port1: port, port2: threadPort } = new MessageChannel();
    const stop = new AbortController();
    let inFlight = 0;
    let wake: (() => void) | null = null;
    let done: Redacted | null = null;
    let failure: unknown = null;
    // A failed output (the upload) ends the redaction at once: reading on would be work for nothing.
    let outFailure: Error | null = null;
    const onOutError = (error: Error) => {
      outFailure = error;
      wake?.();
    };
    redaction.out.on('error', onOutError);
    port.on('message', (message: FromRedactor) => {
      if ('taken' in message) inFlight -= 1;
      else if ('lines' in message) {
        // Writes are not awaited here: the input waits for the drain instead, so this stays bounded.
        redaction.out.write(message.lines);
      } else done = message.done;
      wake?.();
    });
    const task: RedactionTask = { port: threadPort, format: redaction.format, previewRecords: redaction.previewRecords };
    const running = this.pool.run(task, { name: 'redact', transferList: [threadPort], signal: stop.signal }) as Promise<void>;
    let ended = false;
    const settled = running.then(() => { ended = true; }, (error: unknown) => { ended = true; failure = error; });
    const waitFor = async (ready: () => boolean) => {
      while (!ready() && !done && !ended && !outFailure) {
        await Promise.race([new Promise<void>((resolve) => { wake = resolve; }), settled]);
        wake = null;
      }
    };
    const send = async (message: ToRedactor, transfer: ArrayBuffer[] = []) => {
      await waitFor(() => inFlight < CHUNKS_IN_FLIGHT);
      if (redaction.out.writableNeedDrain && !outFailure) await once(redaction.out, 'drain');
      if (outFailure) throw outFailure;
      if (redaction.out.destroyed) throw new Error('The redacted copy\'s stream closed early');
      if (done || ended) return false;
      if ('chunk' in message) inFlight += 1;
      port.postMessage(message, transfer);
      return true;
    };
    try {
      let parts: Buffer[] = [];
      let size = 0;
      // A copy of its own, so moving it detaches no buffer the stream still shares.
      const flush = async () => {
        const chunk = new Uint8Array(size);
        let at = 0;
        for (const part of parts) {
          chunk.set(part, at);
          at += part.length;
        }
        parts = [];
        size = 0;
        return send({ chunk }, [chunk.buffer]);
      };
      let open = true;
      for await (const part of redaction.source) {
        // A socket's read is usually a buffer of its own, read once: moved as it is, no copy.
        if (size === 0 && part.length >= CHUNK_BYTES / 2 && part.byteOffset === 0 && part.byteLength === part.buffer.byteLength && part.buffer instanceof ArrayBuffer) {
          if (!(await send({ chunk: new Uint8Array(part.buffer) }, [part.buffer]))) {
            open = false;
            break;
          }
          continue;
        }
        parts.push(part);
        size += part.length;
        if (size >= CHUNK_BYTES && !(await flush())) {
          open = false;
          break;
        }
      }
      if (open && size > 0) open = await flush();
      if (open) await send({ end: true });
      await waitFor(() => false);
      if (outFailure) throw outFailure;
      await settled;
      // The port delivers before the task's end is reported, but not necessarily before this turn.
      for (let i = 0; !done && !failure && i < 100; i += 1) await new Promise((resolve) => setImmediate(resolve));
      if (failure) throw failure;
      if (!done) throw new Error('The redaction thread ended without its result');
      return done;
    } catch (error) {
      stop.abort();
      await settled;
      throw error;
    } finally {
      redaction.out.off('error', onOutError);
      port.close();
    }
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}
