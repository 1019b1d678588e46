import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { threadEntry } from '../../common/thread-entry';
import type { PersonaSpec, TrainingRecord, TrainingResult } from './retrieval-model';
import type { FromTrainer, ToTrainer, TrainedInThread, TrainingTask } from './training-thread';

/** Records sent per message, and batches in flight before the reader waits for the thread. */
const BATCH_RECORDS = 500;
const BATCHES_IN_FLIGHT = 4;

export class TrainingAborted extends Error {}

export interface ThreadTraining {
  persona: PersonaSpec;
  /** The redacted records, streamed (never the whole dataset in one buffer). */
  records: AsyncIterable<TrainingRecord>;
  /** Records read so far (called per batch) and the build's own fraction (0 to 1), as they come. */
  onRead?(records: number): void;
  onProgress?(fraction: number): void;
  /** Aborting terminates the thread at once: the computation stops, whatever it was doing. */
  signal: AbortSignal;
}

/** How much lower the trainer thread's priority is than the worker's (nice(2): 0 to 19). */
export const TRAINER_NICE = 10;

/**
 * The worker process's trainer threads (piscina): the LOCAL trainer runs off the
 * worker's event loop, so other jobs, the outbox relay and BullMQ's lock renewal
 * keep running beside it. One thread per pool (a worker takes one training at a
 * time), ended when its job is done.
 */
export class TrainerPool {
  private readonly pool = new Piscina({
    filename: threadEntry(['modules/models/training-thread.ts', 'modules/models/retrieval-model.ts']),
    execArgv: [],
    minThreads: 0,
    maxThreads: 1,
    // Ended as soon as it is done: its memory goes back before the worker uploads the artifact (a
    // thread starts in about 0.1 s: its entry is plain JavaScript).
    idleTimeout: 0,
    // The task awaits messages on its port: the thread's event loop must run during it.
    atomics: 'disabled',
    // The trainer thread alone runs at a lower CPU priority (on Linux nice is per thread; piscina sets it
    // through @napi-rs/nice): on a busy machine the worker's other jobs, the outbox relay and BullMQ's lock
    // renewal run first, and the training takes what is left.
    niceIncrement: TRAINER_NICE,
    // Its garbage (the n-grams of each document) dies young: a young generation capped at 8 MiB lowered the
    // worker's peak during a 20 MiB training from 390-408 MiB to 381-387, and the training took no longer.
    resourceLimits: { maxYoungGenerationSizeMb: 8 },
  });

  /** Live trainer threads (tests: a cancelled training leaves none). */
  get threads(): number {
    return this.pool.threads.length;
  }

  /** Terminates the running threads (tests: a thread dying mid-training). */
  async killThreads(): Promise<void> {
    await Promise.all(this.pool.threads.map((thread) => thread.terminate()));
  }

  async train(training: ThreadTraining): Promise<{ artifact: Buffer; metrics: TrainingResult['metrics'] }> {
    if (training.signal.aborted) throw new TrainingAborted();
    // Ours, so a failure while reading the records also ends the thread (it would wait for them for ever).
    const stop = new AbortController();
    const abort = () => stop.abort();
    training.signal.addEventListener('abort', abort, { once: true });
    const { port1: port, port2: threadPort } = new MessageChannel();
    let inFlight = 0;
    let wake: (() => void) | null = null;
    let trained: TrainedInThread | null = null;
    port.on('message', (message: FromTrainer) => {
      if ('taken' in message) {
        inFlight -= 1;
        wake?.();
      } else if ('progress' in message) training.onProgress?.(message.progress);
      else trained = message.trained;
    });
    const task: TrainingTask = { port: threadPort, persona: training.persona };
    const running = this.pool.run(task, { name: 'train', transferList: [threadPort], signal: stop.signal }) as Promise<void>;
    let ended: { error: unknown } | null = null;
    const settled = running.then(() => { ended = { error: null }; }, (error: unknown) => { ended = { error }; });
    const send = async (message: ToTrainer) => {
      while (inFlight >= BATCHES_IN_FLIGHT && !ended && !stop.signal.aborted) {
        await Promise.race([new Promise<void>((resolve) => { wake = resolve; }), settled]);
        wake = null;
      }
      if (training.signal.aborted) throw new TrainingAborted();
      // The thread ended before it had every record: it died (or was terminated).
      if (ended) throw (ended as { error: unknown }).error ?? new Error('The trainer thread ended early');
      if ('records' in message) inFlight += 1;
      port.postMessage(message);
    };
    try {
      let batch: TrainingRecord[] = [];
      let read = 0;
      for await (const record of training.records) {
        batch.push(record);
        if (batch.length >= BATCH_RECORDS) {
          await send({ records: batch });
          read += batch.length;
          training.onRead?.(read);
          batch = [];
        }
      }
      if (batch.length) await send({ records: batch });
      training.onRead?.(read + batch.length);
      await send({ end: true });
      await running;
      // The port delivers before the task's end is reported, but not necessarily before this turn.
      for (let i = 0; !trained && i < 100; i++) await new Promise((resolve) => setImmediate(resolve));
      const result = trained as TrainedInThread | null;
      if (!result) throw new Error('The trainer thread ended without its artifact');
      return { artifact: Buffer.from(result.artifact.buffer, result.artifact.byteOffset, result.artifact.byteLength), metrics: result.metrics };
    } catch (error) {
      stop.abort();
      await settled;
      if (training.signal.aborted) throw new TrainingAborted();
      throw error;
    } finally {
      training.signal.removeEventListener('abort', abort);
      port.close();
    }
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}
