// The scenarios of issue 9 (heavy work that scales), each in its own file, each
// printing its goals beside a same-run baseline. run.ts runs the ones named in
// BENCH_SCENARIOS (by default all) after its own.
import { recommendationsBench } from './recommendations';
import { trainingBench } from './training';
import { usersListBench } from './users-list';
import { validationBench } from './validation';

export const HEAVY_WORK: Record<string, () => Promise<boolean>> = {
  // LOCAL training in the trainer thread (cancel, progress, validation beside it, peak RSS) and the model in the API (memory, cold answer).
  training: trainingBench,
  recommendations: recommendationsBench,
  users: usersListBench,
  // A 45 MiB CSV with personal data through validation against its parser alone; the worker's memory over three sizes.
  validation: validationBench,
};

/** Runs the selected scenarios one after the other; 0 when every goal was met. */
export async function runHeavyWork(selected: string[]): Promise<number> {
  let failed = 0;
  for (const [key, run] of Object.entries(HEAVY_WORK)) {
    if (!selected.includes(key)) continue;
    try {
      if (!(await run())) failed += 1;
    } catch (error) {
      console.error(`${key}: ${String((error as Error).stack ?? error)}`);
      failed += 1;
    }
  }
  if (failed) console.error(`FAILED: ${failed} of the heavy-work scenarios did not meet a goal or did not run`);
  return failed ? 1 : 0;
}
