// The LOCAL trainer's thread (a piscina task): the worker process streams the
// redacted records in over a MessagePort, in batches it acknowledges, and the
// thread answers with progress and, at the end, the compact artifact (moved,
// not copied). Nothing here touches the database, S3 or keys: the thread only
// computes, so cancelling is terminating it.
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { MessagePort } from 'node:worker_threads';
import { Trainer, trainCompact, type PersonaSpec, type TrainingRecord, type TrainingResult } from './retrieval-model';

export interface TrainingTask { port: MessagePort; persona: PersonaSpec }
/** From the worker: a batch of records, or the end of them. */
export type ToTrainer = { records: TrainingRecord[] } | { end: true };
/** From the thread: a batch was taken in (`taken` records), or how far the build is (0 to 1). */
export type FromTrainer = { taken: number } | { progress: number } | { trained: TrainedInThread };
export interface TrainedInThread { artifact: Uint8Array; metrics: TrainingResult['metrics'] }

// A full collection between the phases: each leaves its garbage (the n-grams of every document)
// just before the next allocates its arrays, and the peak is what the process is sized by.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

export async function train({ port, persona }: TrainingTask): Promise<void> {
  const trainer = new Trainer(persona);
  await new Promise<void>((resolve, reject) => {
    port.on('message', (message: ToTrainer) => {
      try {
        if ('records' in message) {
          for (const record of message.records) trainer.add(record);
          port.postMessage({ taken: message.records.length } satisfies FromTrainer);
        } else {
          port.removeAllListeners('message');
          resolve();
        }
      } catch (error) {
        reject(error);
      }
    });
  });
  const { artifact, metrics } = trainCompact(trainer, (fraction) => port.postMessage({ progress: fraction } satisfies FromTrainer), collect);
  // Moved, not copied: the artifact's memory changes hands.
  port.postMessage({ trained: { artifact, metrics } } satisfies FromTrainer, [artifact.buffer as ArrayBuffer]);
  port.close();
}
