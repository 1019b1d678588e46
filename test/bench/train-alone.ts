// The training bench's baseline: the same trainer on the same data in a plain
// process (no worker, no thread, no S3): prints {"ms", "peakRss"} as JSON.
import { Trainer, trainCompact, type TrainingRecord } from '../../src/modules/models/retrieval-model';
import { qaJsonLines } from './training-data';
import { memoryOf } from './scenario-kit';

const bytes = Number(process.argv[2]);
let data: Buffer | null = qaJsonLines(bytes);
const started = Date.now();
const trainer = new Trainer({ displayName: '하루', bio: null, tone: null, speakingStyle: null, catchphrases: [], brandValues: [], language: 'ko' });
for (let start = 0; start < data.length;) {
  const end = data.indexOf(10, start);
  trainer.add(JSON.parse(data.toString('utf8', start, end)) as TrainingRecord);
  start = end + 1;
}
data = null;
const { artifact } = trainCompact(trainer);
console.log(JSON.stringify({ ms: Date.now() - started, peakRss: memoryOf(process.pid).peak, artifactBytes: artifact.length }));
