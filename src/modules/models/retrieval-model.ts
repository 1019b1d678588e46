// The LOCAL influencer model (SPEC section 6): a retrieval model, not a generator. Node built-ins only.
//
// - Text is normalised (NFKC, lower case, punctuation and symbols to spaces, whitespace collapsed)
//   and cut into character n-grams (2 and 3 by default) of the space-padded string, across word
//   boundaries too. No tokenizer or dictionary is needed, so Korean (whose particles and endings
//   glue onto words) matches as well as English: "배송은" and "배송 기간이" share "배송". Grams made
//   only of question words, particles and endings ("어떻게", "-나요", "how") weigh a quarter, and
//   one letter beside a space half, so "how it is asked" does not outvote "what it is about".
// - Training builds sublinear tf-idf vectors (smoothed idf), L2-normalised, one per document. A QA
//   pair is one document: its question, plus its answer at half weight (a paraphrase often shares
//   words with the answer rather than the stored question). A text record is cut into passages of
//   up to PASSAGE_MAX_CHARS. Each vector keeps its heaviest MAX_TERMS_PER_DOCUMENT terms (fewer in
//   a very large corpus, see termsPerDocument) and the idf table only terms some vector uses, so
//   the artifact stays plain JSON of bounded size.
// - A deterministic tenth of the QA pairs is held out (splitHeldOut) and the shipped artifact is
//   the one trained without them, so heldOutAccuracy (mean character-bigram F1 of its REPLY to
//   each held-out question against the reference answer) describes exactly the model in use.
// - respond() answers from what retrieve() finds (cosine similarity) with small fixed templates
//   in the persona's language and register. It never quotes the prompt, and COACHING output never
//   carries a number that appears in the prompt (coaching prompts may hold health values).

import { createHash } from 'node:crypto';
import os from 'node:os';

export interface TrainingRecord { question?: string; answer?: string; text?: string }

export interface PersonaSpec {
  displayName: string;
  bio?: string | null;
  tone?: string | null;
  speakingStyle?: string | null;
  catchphrases: string[];
  brandValues: string[];
  language: string;
}

export interface RetrievalDocument {
  kind: 'qa' | 'text';
  question?: string;
  answer?: string;
  text?: string;
  /** Sparse tf-idf vector, L2-normalised, heaviest terms first. */
  vector: [string, number][];
}

export interface RetrievalArtifact {
  format: 'aimex-retrieval/1';
  persona: PersonaSpec;
  ngram: { min: number; max: number };
  idf: Record<string, number>;
  documents: RetrievalDocument[];
  trainedAt: string;
}

export interface TrainingResult {
  artifact: RetrievalArtifact;
  metrics: { trainingExamples: number; heldOutExamples: number; heldOutAccuracy: number | null };
}

export interface Retrieved { kind: 'qa' | 'text'; question?: string; answer?: string; text?: string; score: number }

export type ContentKind = 'POST' | 'CAPTION' | 'REPLY' | 'COACHING';

export const ARTIFACT_FORMAT = 'aimex-retrieval/1';
export const MAX_TERMS_PER_DOCUMENT = 200;
export const MAX_VECTOR_ENTRIES = 2_000_000;
/**
 * A REPLY quotes a QA answer only when the pair is at least this close to the prompt. Measured:
 * Korean paraphrases of a stored question score 0.15 to 0.35, unrelated questions below 0.01.
 */
export const QA_REPLY_THRESHOLD = 0.1;
/** Below this a document is not about the prompt at all. */
export const TEXT_THRESHOLD = 0.05;
export const CAPTION_MAX_CHARS = 300;
const ANSWER_WEIGHT = 0.5;
const PASSAGE_MAX_CHARS = 400;
const DEFAULT_NGRAM = { min: 2, max: 3 };

// ---------------------------------------------------------------- text

/** NFKC, lower case, punctuation and symbols to spaces, whitespace collapsed and trimmed. */
export function normalize(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[\p{P}\p{S}]/gu, ' ').replace(/\s+/gu, ' ').trim();
}

/** Character n-grams of the normalised text padded with one space each side, with counts. */
export function charNgrams(text: string, min = DEFAULT_NGRAM.min, max = DEFAULT_NGRAM.max): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [gram, { count }] of gramStats(text, min, max)) counts.set(gram, count);
  return counts;
}

// Question words, light verbs and particles say how something is asked, not what about: "배송
// 기간이 어떻게 되나요?" must find "배송은 얼마나 걸리나요?", not "환불은 어떻게 하나요?". A gram
// made only of such characters (a function word, or a particle or ending at the end of a word)
// weighs FUNCTION_WEIGHT of a content gram. A light stemmer, not a tokenizer: nothing is dropped.
const FUNCTION_WEIGHT = 0.25;
// " 보" says only that some word starts with 보: weak evidence next to "보통" or "보실".
const BOUNDARY_WEIGHT = 0.5;
const FUNCTION_WORDS = new Set([
  '어떻게', '어떤', '어떻게요', '무엇', '무엇인가요', '무슨', '뭐', '뭔가요', '뭐예요', '뭐에요', '뭘', '언제', '어디', '어디서', '어디에',
  '왜', '누가', '누구', '얼마나', '얼마', '몇', '되나요', '하나요', '있나요', '없나요', '인가요', '되요', '돼요', '됩니다', '합니다',
  '해요', '하면', '하는', '하고', '할', '한', '해', '있어요', '있습니다', '있는', '있을까요', '수', '좀', '알려', '알려주세요', '주세요',
  '궁금해요', '궁금합니다', '싶어요', '싶습니다', '저는', '제가', '저희', '그', '이', '저', '것', '거', '게', '및', '또는', '그리고',
  '정말', '너무', '더', '가능한가요', '가능할까요',
  'a', 'an', 'the', 'is', 'are', 'was', 'were', 'be', 'do', 'does', 'did', 'can', 'could', 'how', 'what', 'when', 'where', 'why',
  'who', 'which', 'i', 'you', 'we', 'my', 'your', 'our', 'me', 'it', 'its', 'to', 'of', 'for', 'in', 'on', 'at', 'by', 'with', 'and',
  'or', 'please', 'tell', 'about', 'there', 'this', 'that', 'will', 'would', 'should', 'have', 'has', 'get', 'long', 'much',
]);
// Word-final particles and polite endings, longest first.
const FUNCTION_SUFFIXES = [
  '입니까', '습니까', '습니다', '합니다', '됩니다', '인가요', '일까요', '할까요', '을까요', '이에요', '나요', '가요', '까요', '세요', '어요',
  '아요', '해요', '예요', '에요', '니다', '에서', '에게', '으로', '까지', '부터', '처럼', '보다', '이랑', '은', '는', '이', '가', '을', '를',
  '에', '의', '로', '와', '과', '도', '만', '요',
];

interface GramStat { count: number; weight: number }

function gramStats(text: string, min: number, max: number): Map<string, GramStat> {
  const stats = new Map<string, GramStat>();
  const normalized = normalize(text);
  if (!normalized || min < 1 || max < min) return stats;
  const chars = Array.from(` ${normalized} `);
  // Which characters belong to a function word or a word-final particle or ending.
  const functional = chars.map(() => false);
  let start = 1;
  for (let i = 1; i < chars.length; i++) {
    if (chars[i] !== ' ') continue;
    let word = '';
    for (let j = start; j < i; j++) word += chars[j];
    if (FUNCTION_WORDS.has(word)) for (let j = start; j < i; j++) functional[j] = true;
    else {
      const suffix = FUNCTION_SUFFIXES.find((s) => word.length > s.length && word.endsWith(s));
      if (suffix) for (let j = i - Array.from(suffix).length; j < i; j++) functional[j] = true;
    }
    start = i + 1;
  }
  for (let n = min; n <= max; n++) {
    for (let i = 0; i + n <= chars.length; i++) {
      let content = false;
      let letters = 0;
      for (let j = i; j < i + n; j++) {
        if (chars[j] === ' ') continue;
        letters++;
        if (!functional[j]) content = true;
      }
      if (!letters) continue;
      let gram = '';
      for (let j = i; j < i + n; j++) gram += chars[j];
      const weight = (content ? 1 : FUNCTION_WEIGHT) * (letters === 1 ? BOUNDARY_WEIGHT : 1);
      const stat = stats.get(gram);
      if (stat) {
        stat.count += 1;
        stat.weight += weight;
      } else stats.set(gram, { count: 1, weight });
    }
  }
  return stats;
}

/**
 * Character-bigram F1 (multiset overlap). Whitespace is ignored after normalising, so Korean
 * spacing variants ("배송 기간" / "배송기간") score as equal; a one-character string is its
 * own single gram. Both empty: 1; one empty: 0.
 */
export function bigramF1(candidate: string, reference: string): number {
  const a = bigrams(candidate);
  const b = bigrams(reference);
  const sizeA = sum(a.values());
  const sizeB = sum(b.values());
  if (sizeA === 0 && sizeB === 0) return 1;
  if (sizeA === 0 || sizeB === 0) return 0;
  let overlap = 0;
  for (const [gram, count] of a) overlap += Math.min(count, b.get(gram) ?? 0);
  if (overlap === 0) return 0;
  const precision = overlap / sizeA;
  const recall = overlap / sizeB;
  return (2 * precision * recall) / (precision + recall);
}

function bigrams(text: string): Map<string, number> {
  const chars = Array.from(normalize(text).replace(/\s/gu, ''));
  const grams = new Map<string, number>();
  if (chars.length === 1) grams.set(chars[0], 1);
  for (let i = 0; i + 2 <= chars.length; i++) {
    const gram = chars[i] + chars[i + 1];
    grams.set(gram, (grams.get(gram) ?? 0) + 1);
  }
  return grams;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/** Sentences of a text: split after . ! ? (and their full-width forms) and at line breaks. */
function sentences(text: string): string[] {
  return text
    .split(/\n+|(?<=[.!?。！？…])\s+/u)
    .map((s) => s.replace(/\s+/gu, ' ').trim())
    .filter((s) => normalize(s).length > 0);
}

function passages(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const sentence of sentences(text)) {
    if (current && current.length + 1 + sentence.length > PASSAGE_MAX_CHARS) {
      out.push(current);
      current = '';
    }
    current = current ? `${current} ${sentence}` : sentence;
  }
  if (current) out.push(current);
  return out;
}

const clean = (value: string | undefined | null): string => (typeof value === 'string' ? value.trim() : '');

function qaOf(record: TrainingRecord): { question: string; answer: string } | null {
  const question = clean(record.question);
  const answer = clean(record.answer);
  return question && answer ? { question, answer } : null;
}

// ---------------------------------------------------------------- held-out split

/**
 * Holds out exactly floor(n / 10) of the n QA pairs when n >= 10, none otherwise: those whose
 * sha256(question, answer) is smallest. Depends only on the content, not on the order; text
 * records always train. `train` keeps the input order, `heldOut` is in hash order.
 */
export function splitHeldOut<T extends TrainingRecord>(records: T[]): { train: T[]; heldOut: T[] } {
  const qa: { index: number; hash: string }[] = [];
  records.forEach((record, index) => {
    const pair = qaOf(record);
    if (pair) qa.push({ index, hash: createHash('sha256').update(pair.question).update('\u0000').update(pair.answer).digest('hex') });
  });
  const count = qa.length >= 10 ? Math.floor(qa.length / 10) : 0;
  qa.sort((x, y) => (x.hash < y.hash ? -1 : x.hash > y.hash ? 1 : x.index - y.index));
  const held = qa.slice(0, count);
  const heldIndexes = new Set(held.map((h) => h.index));
  return {
    train: records.filter((_, index) => !heldIndexes.has(index)),
    heldOut: held.map((h) => records[h.index]),
  };
}

// ---------------------------------------------------------------- training

type Sparse = Map<string, number>;

/** Sublinear tf, scaled by the share of the term's occurrences that are content, times idf. */
function tfidf(grams: Map<string, GramStat>, idfOf: (term: string) => number): Sparse {
  const vector: Sparse = new Map();
  for (const [term, { count, weight }] of grams) vector.set(term, (1 + Math.log(count)) * (weight / count) * idfOf(term));
  return vector;
}

function l2normalize(vector: Sparse): Sparse {
  let norm = 0;
  for (const w of vector.values()) norm += w * w;
  norm = Math.sqrt(norm);
  if (norm > 0) for (const [t, w] of vector) vector.set(t, w / norm);
  return vector;
}

function addInto(target: Sparse, source: Sparse, factor: number): void {
  for (const [t, w] of source) target.set(t, (target.get(t) ?? 0) + w * factor);
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

interface Draft { kind: 'qa' | 'text'; question?: string; answer?: string; text?: string }

/** The drafts of one record: a QA pair is one; any other record is cut into passages (a half pair still carries knowledge: kept as text). */
function draftsOfRecord(record: TrainingRecord): Draft[] {
  const pair = qaOf(record);
  if (pair) return [{ kind: 'qa', ...pair }];
  const text = clean(record.text) || clean(record.question) || clean(record.answer);
  return passages(text).map((passage) => ({ kind: 'text', text: passage }));
}

/** A QA pair is its question with its answer at ANSWER_WEIGHT; a passage is its text. */
function partsOf(draft: Draft, ngram: { min: number; max: number }): { grams: Map<string, GramStat>; weight: number }[] {
  return draft.kind === 'qa'
    ? [{ grams: gramStats(draft.question!, ngram.min, ngram.max), weight: 1 }, { grams: gramStats(draft.answer!, ngram.min, ngram.max), weight: ANSWER_WEIGHT }]
    : [{ grams: gramStats(draft.text!, ngram.min, ngram.max), weight: 1 }];
}

/**
 * Terms kept per document: MAX_TERMS_PER_DOCUMENT, less for a large corpus so the whole artifact
 * holds about MAX_VECTOR_ENTRIES terms, never under 32.
 */
function termsPerDocument(documents: number): number {
  return Math.max(32, Math.min(MAX_TERMS_PER_DOCUMENT, Math.floor(MAX_VECTOR_ENTRIES / Math.max(1, documents))));
}

/** A growable typed array (no array of boxed numbers for millions of entries). */
class Column<T extends Int32Array | Float64Array | Uint32Array> {
  length = 0;
  constructor(private make: (size: number) => T, public data: T = make(1024)) {}
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = this.make(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  done(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

interface PendingDraft extends Draft {
  /** The index of its record, and for a QA pair the sha256 of question and answer (what the held-out split sorts by). */
  record: number;
  hash?: string;
}

/** What training made, before it is written as JSON (aimex-retrieval/1) or as the compact binary form (aimex-retrieval/2). */
interface Built {
  persona: PersonaSpec;
  ngram: { min: number; max: number };
  trainedAt: string;
  documents: Draft[];
  /** Per document, heaviest first: term ids (into `terms`) and their weights; CSR over documents. */
  vectorStarts: Uint32Array;
  vectorTerms: Int32Array;
  vectorWeights: Float64Array;
  terms: string[];
  /** Rounded idf of each term of `terms` (only terms some vector uses are kept). */
  idf: Float64Array;
}

/**
 * Training fed one record at a time (the worker thread streams them in): document frequencies are
 * counted as records arrive, over every record; the held-out pairs, known only once all have
 * arrived, are then taken back out, so the result equals training on the split made up front.
 * Memory holds the drafts' text, one id per distinct n-gram and the capped vectors in typed arrays.
 */
export class Trainer {
  private readonly ngram = { ...DEFAULT_NGRAM };
  private readonly drafts: PendingDraft[] = [];
  private readonly termIds = new Map<string, number>();
  private readonly termList: string[] = [];
  private df = new Column((n) => new Int32Array(n));
  private records = 0;
  private qaPairs = 0;
  /** Records with any content, per record index (they are the trainingExamples unless held out). */
  private readonly withContent: number[] = [];
  private finished = false;

  constructor(private readonly persona: PersonaSpec) {}

  get recordCount(): number {
    return this.records;
  }

  /** How many QA pairs will be held out (a tenth, from 10 on). */
  get heldOutCount(): number {
    return this.qaPairs >= 10 ? Math.floor(this.qaPairs / 10) : 0;
  }

  add(record: TrainingRecord): void {
    if (this.finished) throw new Error('The trainer has finished');
    const index = this.records++;
    if (qaOf(record)) this.qaPairs++;
    if (qaOf(record) || clean(record.text) || clean(record.question) || clean(record.answer)) this.withContent.push(index);
    for (const draft of draftsOfRecord(record)) {
      const pending: PendingDraft = { ...draft, record: index };
      if (draft.kind === 'qa') pending.hash = createHash('sha256').update(draft.question!).update('\u0000').update(draft.answer!).digest('hex');
      this.drafts.push(pending);
      for (const term of this.termsOf(pending)) {
        let id = this.termIds.get(term);
        if (id === undefined) {
          id = this.termList.length;
          this.termIds.set(term, id);
          this.termList.push(term);
          this.df.push(0);
        }
        this.df.data[id] += 1;
      }
    }
  }

  private termsOf(draft: Draft): Set<string> {
    const seen = new Set<string>();
    for (const part of partsOf(draft, this.ngram)) for (const term of part.grams.keys()) seen.add(term);
    return seen;
  }

  /**
   * Splits off the held-out pairs, builds the capped, L2-normalised tf-idf vectors and measures the
   * held-out pairs on the result. `progress` receives fractions of this phase.
   */
  finish(progress: (fraction: number) => void = () => undefined): { built: Built; heldOut: { question: string; answer: string }[]; trainingExamples: number } {
    this.finished = true;
    // splitHeldOut: floor(n / 10) of the n QA pairs when n >= 10, those with the smallest hash (ties: the earlier record).
    const qa = this.drafts.filter((d) => d.kind === 'qa');
    const count = qa.length >= 10 ? Math.floor(qa.length / 10) : 0;
    const held = new Set(count ? [...qa].sort((x, y) => (x.hash! < y.hash! ? -1 : x.hash! > y.hash! ? 1 : x.record - y.record)).slice(0, count) : []);
    const heldRecords = new Set([...held].map((d) => d.record));
    for (const draft of held) for (const term of this.termsOf(draft)) this.df.data[this.termIds.get(term)!] -= 1;
    const documents = this.drafts.filter((d) => !held.has(d));
    const n = documents.length;
    const df = this.df.data;
    const idfOf = (term: string) => Math.log((1 + n) / (1 + df[this.termIds.get(term)!])) + 1;
    const cap = termsPerDocument(n);

    const vectorStarts = new Uint32Array(n + 1);
    const vectorTerms = new Column((size) => new Int32Array(size));
    const vectorWeights = new Column((size) => new Float64Array(size));
    const used = new Uint8Array(this.termList.length);
    documents.forEach((draft, i) => {
      const combined: Sparse = new Map();
      for (const part of partsOf(draft, this.ngram)) addInto(combined, l2normalize(tfidf(part.grams, idfOf)), part.weight);
      const top = [...l2normalize(combined)]
        .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
        .slice(0, cap);
      for (const [term, w] of l2normalize(new Map(top))) {
        const weight = round(w, 5);
        if (!(weight > 0)) continue;
        const id = this.termIds.get(term)!;
        used[id] = 1;
        vectorTerms.push(id);
        vectorWeights.push(weight);
      }
      vectorStarts[i + 1] = vectorTerms.length;
      progress((i + 1) / n);
    });
    if (!n) progress(1);

    // Only the terms some vector uses stay, renumbered; the corpus-wide table is let go.
    const remap = new Int32Array(this.termList.length).fill(-1);
    const terms: string[] = [];
    const idfValues: number[] = [];
    for (let id = 0; id < this.termList.length; id++) {
      if (!used[id]) continue;
      remap[id] = terms.length;
      terms.push(this.termList[id]);
      idfValues.push(round(idfOf(this.termList[id]), 5));
    }
    const termsOut = vectorTerms.done();
    for (let i = 0; i < termsOut.length; i++) termsOut[i] = remap[termsOut[i]];
    this.termIds.clear();
    this.termList.length = 0;
    this.df = new Column((size) => new Int32Array(size), new Int32Array(0));

    const built: Built = {
      persona: { ...this.persona, catchphrases: [...this.persona.catchphrases], brandValues: [...this.persona.brandValues] },
      ngram: { ...this.ngram }, trainedAt: new Date().toISOString(),
      documents: documents.map(({ kind, question, answer, text }) => (kind === 'qa' ? { kind, question, answer } : { kind, text })),
      vectorStarts, vectorTerms: termsOut, vectorWeights: vectorWeights.done(), terms, idf: Float64Array.from(idfValues),
    };
    const heldOut = [...held].sort((x, y) => (x.hash! < y.hash! ? -1 : x.hash! > y.hash! ? 1 : x.record - y.record))
      .map((d) => ({ question: d.question!, answer: d.answer! }));
    const trainingExamples = this.withContent.filter((r) => !heldRecords.has(r)).length;
    this.drafts.length = 0;
    return { built, heldOut, trainingExamples };
  }
}

/** The artifact as JSON (aimex-retrieval/1): what RunPod returns, what `train` returns and what older versions stored. */
function toJsonArtifact(built: Built): RetrievalArtifact {
  const idf: Record<string, number> = {};
  for (const i of [...built.terms.keys()].sort((a, b) => (built.terms[a] < built.terms[b] ? -1 : built.terms[a] > built.terms[b] ? 1 : 0))) idf[built.terms[i]] = built.idf[i];
  const documents: RetrievalDocument[] = built.documents.map((draft, d) => {
    const vector: [string, number][] = [];
    for (let j = built.vectorStarts[d]; j < built.vectorStarts[d + 1]; j++) vector.push([built.terms[built.vectorTerms[j]], built.vectorWeights[j]]);
    return draft.kind === 'qa' ? { kind: 'qa', question: draft.question, answer: draft.answer, vector } : { kind: 'text', text: draft.text, vector };
  });
  return { format: ARTIFACT_FORMAT, persona: built.persona, ngram: built.ngram, idf, documents, trainedAt: built.trainedAt };
}

/** A JSON artifact back to what training made (for RunPod's output and artifacts stored before the compact form). */
function builtFromJson(artifact: RetrievalArtifact): Built {
  const terms = Object.keys(artifact.idf);
  const ids = new Map(terms.map((t, i) => [t, i]));
  const idf = Float64Array.from(terms, (t) => artifact.idf[t]);
  const n = artifact.documents.length;
  const vectorStarts = new Uint32Array(n + 1);
  const vectorTerms = new Column((size) => new Int32Array(size));
  const vectorWeights = new Column((size) => new Float64Array(size));
  artifact.documents.forEach((document, d) => {
    for (const [term, weight] of document.vector) {
      let id = ids.get(term);
      if (id === undefined) {
        // A term without idf never matches a query's term of the table; keep it harmlessly.
        id = terms.length;
        ids.set(term, id);
        terms.push(term);
      }
      vectorTerms.push(id);
      vectorWeights.push(weight);
    }
    vectorStarts[d + 1] = vectorTerms.length;
  });
  // A vector's term missing from idf was looked up as unknown before: keep it so.
  const fullIdf = new Float64Array(terms.length).fill(Math.log(1 + n) + 1);
  fullIdf.set(idf);
  return {
    persona: artifact.persona, ngram: artifact.ngram ?? { ...DEFAULT_NGRAM }, trainedAt: artifact.trainedAt,
    documents: artifact.documents.map(({ vector: _vector, ...rest }) => rest),
    vectorStarts, vectorTerms: vectorTerms.done(), vectorWeights: vectorWeights.done(), terms, idf: fullIdf,
  };
}

/**
 * Trains on the training split and measures the result on the held-out split. `onProgress`
 * receives strictly increasing fractions, the last one exactly 1.
 */
export function train(records: TrainingRecord[], persona: PersonaSpec, onProgress?: (fraction: number) => void): TrainingResult {
  const trainer = new Trainer(persona);
  for (const record of records) trainer.add(record);
  const { built, metrics } = finishTraining(trainer, onProgress);
  return { artifact: toJsonArtifact(built), metrics };
}

/** Trains from a Trainer that has all records, giving the compact binary artifact (aimex-retrieval/2) and the metrics. */
export function trainCompact(trainer: Trainer, onProgress?: (fraction: number) => void, betweenPhases?: () => void): { artifact: Buffer; metrics: TrainingResult['metrics'] } {
  const { compact, metrics } = finishTraining(trainer, onProgress, betweenPhases);
  return { artifact: compact.buffer, metrics };
}

function finishTraining(trainer: Trainer, onProgress?: (fraction: number) => void, betweenPhases?: () => void) {
  let last = 0;
  const report = (fraction: number) => {
    const value = Math.min(1, fraction);
    // About a hundred calls at most, whatever the size of the data.
    if (onProgress && (value >= 1 ? last < 1 : value - last >= 0.01)) {
      last = value;
      onProgress(value);
    }
  };
  const buildShare = trainer.heldOutCount ? 0.6 : 0.99;
  betweenPhases?.();
  const { built, heldOut, trainingExamples } = trainer.finish((f) => report(f * buildShare));
  betweenPhases?.();
  const compact = encodeCompact(built);

  let heldOutAccuracy: number | null = null;
  if (heldOut.length) {
    let total = 0;
    heldOut.forEach((pair, i) => {
      total += bigramF1(respond(compact, 'REPLY', pair.question).text, pair.answer);
      report(buildShare + ((i + 1) / heldOut.length) * (0.99 - buildShare));
    });
    heldOutAccuracy = round(total / heldOut.length, 4);
  }
  report(1);
  return { built, compact, metrics: { trainingExamples, heldOutExamples: heldOut.length, heldOutAccuracy } };
}

// ---------------------------------------------------------------- the compact form (aimex-retrieval/2)

/**
 * The loaded model: one buffer and typed-array views over it, no object per term or posting.
 * Terms are sorted by their UTF-8 bytes (looked up by binary search); each term's postings are
 * its documents in order with their weights; texts are decoded only for the documents returned.
 * The same bytes are the stored artifact, so loading is a copy at most.
 */
export interface CompactModel {
  format: typeof COMPACT_FORMAT;
  persona: PersonaSpec;
  ngram: { min: number; max: number };
  trainedAt: string;
  documentCount: number;
  /** The artifact's bytes (the cache counts them). */
  buffer: Buffer;
  index: CompactIndex;
}

interface CompactIndex {
  termBytes: Buffer;
  termStarts: Uint32Array;
  idf: Float64Array;
  postingStarts: Uint32Array;
  /** Documents of each posting: 16 bits when the model has at most 65,536 documents (format 3), else 32. */
  postingDocs: Uint16Array | Int32Array;
  /** Weights of each posting: single precision in format 3 (half the bytes; scores are rounded to 6 digits). */
  postingWeights: Float32Array | Float64Array;
  docKinds: Uint8Array;
  docStarts: Uint32Array;
  docText: Buffer;
  unknownIdf: number;
  /** Scratch for retrieve (synchronous, so one per model is enough). */
  scores: Float64Array;
  /** Open-addressing table over the terms (term number + 1, 0 empty), by termHash; its size is a power of two. */
  termTable: Uint32Array;
  /** Terms looked up in a Map instead (the bench's baseline: how models were held before). */
  termMap?: Map<string, number>;
}

export const COMPACT_FORMAT = 'aimex-retrieval/3';
const MAGIC = Buffer.from('AIMEXRM3', 'latin1');
/** Format 2 (every posting 4 + 8 bytes), still read: artifacts trained before format 3. */
const MAGIC_V2 = Buffer.from('AIMEXRM2', 'latin1');
const FORMAT_V2 = 'aimex-retrieval/2';
/** FNV-1a over the UTF-16 units: cheap for the 2- and 3-character grams a query looks up. */
function termHash(term: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < term.length; i++) hash = Math.imul(hash ^ term.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** Code point order, which is the order of the UTF-8 bytes (plain `<` compares UTF-16 units). */
function byCodePoints(a: string, b: string): number {
  for (let i = 0, j = 0; i < a.length && j < b.length;) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(j)!;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return Buffer.byteLength(a, 'utf8') - Buffer.byteLength(b, 'utf8');
}

/** Writes the compact form: magic, a JSON header, then 8-byte aligned little-endian sections, filled in place. */
function encodeCompact(built: Built): CompactModel {
  const termOrder = [...built.terms.keys()];
  termOrder.sort((a, b) => byCodePoints(built.terms[a], built.terms[b]));
  const rank = new Int32Array(built.terms.length);
  termOrder.forEach((id, r) => { rank[id] = r; });
  const nTerms = termOrder.length;
  const nDocs = built.documents.length;

  // The sizes first, so every section is written straight into the one buffer (no second copy of the postings or texts).
  const postingStarts = new Uint32Array(nTerms + 1);
  for (let j = 0; j < built.vectorTerms.length; j++) postingStarts[rank[built.vectorTerms[j]] + 1]++;
  for (let r = 0; r < nTerms; r++) postingStarts[r + 1] += postingStarts[r];
  const nPostings = postingStarts[nTerms];
  const termStarts = new Uint32Array(nTerms + 1);
  termOrder.forEach((id, r) => { termStarts[r + 1] = termStarts[r] + Buffer.byteLength(built.terms[id], 'utf8'); });
  const docStarts = new Uint32Array(2 * nDocs + 1);
  let at = 0;
  built.documents.forEach((doc, d) => {
    docStarts[2 * d + 1] = (at += Buffer.byteLength(doc.kind === 'qa' ? doc.question! : doc.text!, 'utf8'));
    docStarts[2 * d + 2] = (at += doc.kind === 'qa' ? Buffer.byteLength(doc.answer!, 'utf8') : 0);
  });
  // A term is found by hash (linear probing, at most half full), not by search.
  let tableSize = 2;
  while (tableSize < 2 * nTerms) tableSize *= 2;

  const docBytes = nDocs <= 65_536 ? 2 : 4;
  const header = Buffer.from(JSON.stringify({
    format: COMPACT_FORMAT, persona: built.persona, ngram: built.ngram, trainedAt: built.trainedAt,
    terms: nTerms, documents: nDocs, postings: nPostings, termBytes: termStarts[nTerms], textBytes: at, termTable: tableSize, docBytes,
  }), 'utf8');
  const align = (n: number) => (n + 7) & ~7;
  // In decodeCompact's order: idf, posting weights, term starts, posting starts, posting documents, document starts, term table, kinds.
  const lengths = [nTerms * 8, nPostings * 4, (nTerms + 1) * 4, (nTerms + 1) * 4, nPostings * docBytes, (2 * nDocs + 1) * 4, tableSize * 4, nDocs];
  const offsets: number[] = [];
  let size = align(MAGIC.length + 4 + header.length);
  for (const length of lengths) {
    offsets.push(size);
    size = align(size + length);
  }
  const textsAt = size;
  size += termStarts[nTerms] + at;
  const out = Buffer.alloc(size);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(header.length, MAGIC.length);
  header.copy(out, MAGIC.length + 4);
  const base = out.byteOffset;
  const idf = new Float64Array(out.buffer, base + offsets[0], nTerms);
  const postingWeights = new Float32Array(out.buffer, base + offsets[1], nPostings);
  new Uint32Array(out.buffer, base + offsets[2], nTerms + 1).set(termStarts);
  new Uint32Array(out.buffer, base + offsets[3], nTerms + 1).set(postingStarts);
  const postingDocs = docBytes === 2 ? new Uint16Array(out.buffer, base + offsets[4], nPostings) : new Int32Array(out.buffer, base + offsets[4], nPostings);
  new Uint32Array(out.buffer, base + offsets[5], 2 * nDocs + 1).set(docStarts);
  const termTable = new Uint32Array(out.buffer, base + offsets[6], tableSize);
  const docKinds = new Uint8Array(out.buffer, base + offsets[7], nDocs);

  termOrder.forEach((id, r) => {
    idf[r] = built.idf[id];
    let slot = termHash(built.terms[id]) & (tableSize - 1);
    while (termTable[slot] !== 0) slot = (slot + 1) & (tableSize - 1);
    termTable[slot] = r + 1;
  });
  // Postings: per term (in sorted order), its documents ascending.
  const fill = postingStarts.slice(0, nTerms);
  for (let d = 0; d < nDocs; d++) {
    for (let j = built.vectorStarts[d]; j < built.vectorStarts[d + 1]; j++) {
      const r = rank[built.vectorTerms[j]];
      postingDocs[fill[r]] = d;
      postingWeights[fill[r]++] = built.vectorWeights[j];
    }
  }
  let offset = textsAt;
  for (const id of termOrder) offset += out.write(built.terms[id], offset, 'utf8');
  built.documents.forEach((doc, d) => {
    docKinds[d] = doc.kind === 'qa' ? 1 : 0;
    offset += out.write(doc.kind === 'qa' ? doc.question! : doc.text!, offset, 'utf8');
    if (doc.kind === 'qa') offset += out.write(doc.answer!, offset, 'utf8');
  });
  return decodeCompact(out);
}

function decodeCompact(stored: Buffer): CompactModel {
  if (os.endianness() !== 'LE') throw new Error('The compact model format is little-endian');
  // Typed-array views need aligned offsets: a buffer that does not start on 8 bytes is copied once.
  const buffer = stored.byteOffset % 8 === 0 ? stored : Buffer.from(stored);
  const headerLength = buffer.readUInt32LE(MAGIC.length);
  const header = JSON.parse(buffer.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + headerLength)) as {
    format: string; persona: PersonaSpec; ngram: { min: number; max: number }; trainedAt: string;
    terms: number; documents: number; postings: number; termBytes: number; textBytes: number; termTable: number; docBytes?: number;
  };
  if (header.format !== COMPACT_FORMAT && header.format !== FORMAT_V2) throw new Error(`Unknown model format ${header.format}`);
  const v2 = header.format === FORMAT_V2;
  const docBytes = v2 ? 4 : header.docBytes;
  const align = (n: number) => (n + 7) & ~7;
  let offset = align(MAGIC.length + 4 + headerLength);
  const base = buffer.byteOffset;
  const take = <T>(make: (buf: ArrayBufferLike, at: number, length: number) => T, length: number, bytes: number): T => {
    const view = make(buffer.buffer, base + offset, length);
    offset = align(offset + bytes);
    return view;
  };
  const { terms, documents, postings } = header;
  const idf = take((b, at, n) => new Float64Array(b, at, n), terms, terms * 8);
  const postingWeights = v2 ? take((b, at, n) => new Float64Array(b, at, n), postings, postings * 8) : take((b, at, n) => new Float32Array(b, at, n), postings, postings * 4);
  const termStarts = take((b, at, n) => new Uint32Array(b, at, n), terms + 1, (terms + 1) * 4);
  const postingStarts = take((b, at, n) => new Uint32Array(b, at, n), terms + 1, (terms + 1) * 4);
  const postingDocs = docBytes === 2 ? take((b, at, n) => new Uint16Array(b, at, n), postings, postings * 2) : take((b, at, n) => new Int32Array(b, at, n), postings, postings * 4);
  const docStarts = take((b, at, n) => new Uint32Array(b, at, n), 2 * documents + 1, (2 * documents + 1) * 4);
  const termTable = take((b, at, n) => new Uint32Array(b, at, n), header.termTable, header.termTable * 4);
  const docKinds = take((b, at, n) => new Uint8Array(b, at, n), documents, documents);
  const termBytes = buffer.subarray(offset, offset + header.termBytes);
  const docText = buffer.subarray(offset + header.termBytes, offset + header.termBytes + header.textBytes);
  return {
    format: COMPACT_FORMAT, persona: header.persona, ngram: header.ngram, trainedAt: header.trainedAt, documentCount: documents, buffer,
    index: {
      termBytes, termStarts, idf, postingStarts, postingDocs, postingWeights, docKinds, docStarts, docText, termTable,
      unknownIdf: Math.log(1 + documents) + 1, scores: new Float64Array(documents),
    },
  };
}

/** A stored artifact, either form, as a loaded model: the compact form as it is, JSON converted. */
export function loadArtifact(stored: Buffer): CompactModel {
  const magic = stored.subarray(0, MAGIC.length);
  if (stored.length >= MAGIC.length && (magic.equals(MAGIC) || magic.equals(MAGIC_V2))) return decodeCompact(stored);
  const artifact = JSON.parse(stored.toString('utf8')) as RetrievalArtifact;
  if (artifact?.format !== ARTIFACT_FORMAT) throw new Error('Unknown model artifact');
  return encodeCompact(builtFromJson(artifact));
}

/** The same model with its terms in a Map (an object per term, as before the compact form): the bench's baseline for lookups. */
export function withTermMap(model: CompactModel): CompactModel {
  const { index } = model;
  const termMap = new Map<string, number>();
  for (let t = 0; t + 1 < index.termStarts.length; t += 1) termMap.set(index.termBytes.toString('utf8', index.termStarts[t], index.termStarts[t + 1]), t);
  return { ...model, index: { ...index, termMap, scores: new Float64Array(model.documentCount) } };
}

/** A JSON artifact (RunPod's) as the compact form to store. */
export function compactArtifact(artifact: RetrievalArtifact): Buffer {
  return encodeCompact(builtFromJson(artifact)).buffer;
}

// ---------------------------------------------------------------- retrieval

/** What answers: a JSON artifact (converted once, kept beside it) or a loaded compact model. */
export type Answerable = RetrievalArtifact | CompactModel;

// Keyed on the documents array, which survives `{ ...artifact, persona }` copies. An artifact
// is never changed once trained.
const converted = new WeakMap<RetrievalDocument[], CompactModel>();

function compactOf(model: Answerable): CompactModel {
  if (model.format === COMPACT_FORMAT) return model as CompactModel;
  const artifact = model as RetrievalArtifact;
  let compact = converted.get(artifact.documents);
  if (!compact) converted.set(artifact.documents, (compact = encodeCompact(builtFromJson(artifact))));
  return compact;
}

/** Scratch for a looked-up term's UTF-8 (lookups are synchronous). */
let termScratch = new Uint8Array(64);

/** The term's UTF-8 bytes into termScratch, as Buffer.write encodes them (a lone surrogate as U+FFFD); their count. */
function utf8OfTerm(term: string): number {
  if (termScratch.length < term.length * 3) termScratch = new Uint8Array(term.length * 3);
  const out = termScratch;
  let n = 0;
  for (let i = 0; i < term.length; i++) {
    let c = term.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c < 0xe000) {
      const d = c < 0xdc00 && i + 1 < term.length ? term.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        out[n++] = 0xf0 | (c >> 18);
        out[n++] = 0x80 | ((c >> 12) & 63);
        out[n++] = 0x80 | ((c >> 6) & 63);
        out[n++] = 0x80 | (c & 63);
      } else {
        out[n++] = 0xef;
        out[n++] = 0xbf;
        out[n++] = 0xbd;
      }
    } else {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    }
  }
  return n;
}

function termIndex(index: CompactIndex, term: string): number {
  if (index.termMap) return index.termMap.get(term) ?? -1;
  const { termTable, termStarts, termBytes } = index;
  const mask = termTable.length - 1;
  // Compared as bytes: no string is decoded per probe.
  const length = utf8OfTerm(term);
  probing: for (let slot = termHash(term) & mask; termTable[slot] !== 0; slot = (slot + 1) & mask) {
    const at = termTable[slot] - 1;
    const start = termStarts[at];
    if (termStarts[at + 1] - start !== length) continue;
    for (let k = 0; k < length; k++) if (termBytes[start + k] !== termScratch[k]) continue probing;
    return at;
  }
  return -1;
}

function documentOf(index: CompactIndex, doc: number): Omit<Retrieved, 'score'> {
  const first = index.docText.toString('utf8', index.docStarts[2 * doc], index.docStarts[2 * doc + 1]);
  if (index.docKinds[doc] === 1) return { kind: 'qa', question: first, answer: index.docText.toString('utf8', index.docStarts[2 * doc + 1], index.docStarts[2 * doc + 2]) };
  return { kind: 'text', text: first };
}

/** The k documents most similar to the query (cosine), best first, only those with a score above 0. */
export function retrieve(model: Answerable, query: string, k = 5): Retrieved[] {
  if (k <= 0) return [];
  const compact = compactOf(model);
  const { index } = compact;
  const ngram = compact.ngram ?? DEFAULT_NGRAM;
  // Terms the model never saw still count in the query's norm: a query mostly about unknown
  // things scores low, which is what the REPLY threshold relies on.
  const found = new Map<string, number>();
  const vector = l2normalize(tfidf(gramStats(query, ngram.min, ngram.max), (t) => {
    const at = termIndex(index, t);
    found.set(t, at);
    return at >= 0 ? index.idf[at] : index.unknownIdf;
  }));
  const { scores } = index;
  const touched: number[] = [];
  for (const [term, qWeight] of vector) {
    const at = found.get(term)!;
    if (at < 0) continue;
    for (let i = index.postingStarts[at]; i < index.postingStarts[at + 1]; i++) {
      const doc = index.postingDocs[i];
      if (scores[doc] === 0) touched.push(doc);
      scores[doc] += qWeight * index.postingWeights[i];
    }
  }
  // Top k by score, ties to the earlier document; the scratch scores are reset as they are read.
  const best: { doc: number; score: number }[] = [];
  for (const doc of touched) {
    const score = scores[doc];
    scores[doc] = 0;
    if (score <= 1e-9) continue;
    if (best.length === k && (score < best[k - 1].score || (score === best[k - 1].score && doc > best[k - 1].doc))) continue;
    let at = best.length;
    while (at > 0 && (best[at - 1].score < score || (best[at - 1].score === score && best[at - 1].doc > doc))) at--;
    best.splice(at, 0, { doc, score });
    if (best.length > k) best.pop();
  }
  return best.map(({ doc, score }) => ({ ...documentOf(index, doc), score: round(score, 6) }));
}

// ---------------------------------------------------------------- persona voice

type Language = 'ko' | 'en' | 'ja' | 'zh';
type Register = 'casual' | 'friendly' | 'formal';

const DISCLOSURES: Record<Language, string> = {
  ko: 'AI가 생성한 콘텐츠입니다',
  en: 'This content was generated by AI.',
  ja: 'このコンテンツはAIによって生成されました。',
  zh: '此内容由AI生成。',
};

function languageOf(language: string | null | undefined): Language {
  const primary = (language ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return primary === 'en' || primary === 'ja' || primary === 'zh' ? primary : 'ko';
}

/** The label shown beside AI output, in the persona's language; Korean for anything unknown. */
export function disclosureFor(language: string): string {
  return DISCLOSURES[languageOf(language)];
}

function registerOf(persona: PersonaSpec): Register {
  const style = `${persona.tone ?? ''} ${persona.speakingStyle ?? ''}`.toLowerCase();
  if (/반말|casual|informal|slang|친구\s*같|タメ口/u.test(style)) return 'casual';
  if (/격식|정중|공손|합니다|하십시오|formal|professional|polite|전문적/u.test(style)) return 'formal';
  return 'friendly';
}

/** Hangul syllable with a final consonant (받침)? Non-Hangul endings count as without. */
function hasBatchim(word: string): boolean {
  const code = word.trim().codePointAt(word.trim().length - 1) ?? 0;
  return code >= 0xac00 && code <= 0xd7a3 && (code - 0xac00) % 28 !== 0;
}

interface Voice {
  greeting(name: string): string;
  postLead: string;
  postEmpty: string;
  postClose: string;
  captionEmpty(name: string): string;
  captionClose: string;
  dontKnow: string;
  coachOpen: string;
  coachLead: string;
  coachEmpty: string;
  coachClose: string;
}

function voiceOf(language: Language, register: Register): Voice {
  if (language === 'en') {
    const casual = register === 'casual';
    const formal = register === 'formal';
    return {
      greeting: (name) => (casual ? `Hey, it's ${name}!` : formal ? `Hello, this is ${name}.` : `Hi, ${name} here!`),
      postLead: formal ? 'Here is what we would like to share today.' : casual ? 'Something I wanted to share today:' : "Here's something I'd love to share today.",
      postEmpty: formal ? 'Thank you for being with us. We will be back with more soon.' : 'Thanks for being here with me. More to share soon!',
      postClose: formal ? 'We look forward to hearing your thoughts.' : casual ? 'Tell me what you think in the comments!' : "Let me know what you think in the comments!",
      captionEmpty: (name) => (formal ? `Thank you for spending time with ${name}.` : `Another day with ${name}!`),
      captionClose: formal ? 'Thank you for reading.' : casual ? 'See ya!' : 'See you soon!',
      dontKnow: formal
        ? 'I am sorry, but I do not know about that yet. Please feel free to ask me something else.'
        : casual ? "Hmm, I don't know that one yet. Ask me something else!" : "Hmm, I don't know about that yet. Feel free to ask me anything else!",
      coachOpen: formal ? 'You are making steady progress today.' : casual ? "You're doing great today!" : "You're doing really well today!",
      coachLead: formal ? 'Something worth keeping in mind:' : 'Here is something to keep in mind:',
      coachEmpty: formal ? 'Small steps, taken every day, make the difference.' : 'Small steps every day really add up.',
      coachClose: formal ? 'Consistency is your greatest strength. We are cheering for you.' : casual ? "Keep it up, I'm rooting for you!" : "Keep going, I'm cheering for you!",
    };
  }
  if (language === 'ja') {
    return {
      greeting: (name) => `こんにちは、${name}です!`,
      postLead: '今日はこんなお話をお届けします。',
      postEmpty: 'いつも応援ありがとうございます。また素敵なお話を持ってきますね!',
      postClose: 'みなさんの感想もコメントで教えてくださいね!',
      captionEmpty: (name) => `今日も${name}と一緒に過ごしましょう!`,
      captionClose: 'またね!',
      dontKnow: 'ごめんなさい、そのことはまだよく分かりません。ほかに気になることがあれば聞いてくださいね!',
      coachOpen: '今日もよく頑張っていますね!',
      coachLead: 'こんなことを意識してみましょう:',
      coachEmpty: '毎日の小さな一歩が大きな変化につながります。',
      coachClose: 'コツコツ続ければきっと良くなります。応援しています!',
    };
  }
  if (language === 'zh') {
    return {
      greeting: (name) => `大家好,我是${name}!`,
      postLead: '今天想和大家分享这些内容。',
      postEmpty: '谢谢大家一直以来的支持,很快会带来更多分享!',
      postClose: '欢迎在评论里告诉我你的想法!',
      captionEmpty: (name) => `今天也和${name}一起加油吧!`,
      captionClose: '下次见!',
      dontKnow: '抱歉,这个问题我暂时还不太了解。还有其他想问的吗?',
      coachOpen: '今天也做得很棒!',
      coachLead: '可以记住这一点:',
      coachEmpty: '每天的一小步都会带来改变。',
      coachClose: '坚持下去一定会越来越好,我为你加油!',
    };
  }
  if (register === 'formal') {
    return {
      greeting: (name) => `안녕하십니까, ${name}입니다.`,
      postLead: '오늘 전해 드릴 이야기입니다.',
      postEmpty: '늘 함께해 주셔서 감사합니다. 곧 더 알찬 소식으로 찾아뵙겠습니다.',
      postClose: '여러분의 의견을 기다리겠습니다.',
      captionEmpty: (name) => `오늘도 ${name}와 함께해 주셔서 감사합니다.`,
      captionClose: '감사합니다.',
      dontKnow: '죄송합니다. 해당 내용은 아직 제가 알지 못하는 부분입니다. 다른 궁금하신 점이 있으시면 말씀해 주십시오.',
      coachOpen: '오늘도 꾸준히 노력하고 계십니다.',
      coachLead: '이런 점을 기억해 두시면 좋겠습니다.',
      coachEmpty: '매일의 작은 실천이 큰 변화를 만듭니다.',
      coachClose: '꾸준함이 가장 큰 힘입니다. 늘 응원하겠습니다.',
    };
  }
  if (register === 'casual') {
    return {
      greeting: (name) => `안녕, 나 ${name}${hasBatchim(name) ? '이야' : '야'}!`,
      postLead: '오늘 하고 싶은 얘기!',
      postEmpty: '늘 함께해 줘서 고마워. 곧 더 재밌는 얘기 들고 올게!',
      postClose: '너희 생각도 댓글로 알려줘!',
      captionEmpty: (name) => `오늘도 ${name}${hasBatchim(name) ? '이랑' : '랑'} 함께하자!`,
      captionClose: '또 보자!',
      dontKnow: '음, 그건 아직 나도 잘 모르겠어. 다른 궁금한 거 있으면 편하게 물어봐!',
      coachOpen: '오늘도 진짜 잘하고 있어!',
      coachLead: '이것만 기억해 줘.',
      coachEmpty: '매일의 작은 실천이 큰 변화를 만들어.',
      coachClose: '조금씩 꾸준히 하면 분명 좋아질 거야. 응원할게!',
    };
  }
  return {
    greeting: (name) => `안녕하세요, ${name}${hasBatchim(name) ? '이에요' : '예요'}!`,
    postLead: '오늘 나누고 싶은 이야기예요.',
    postEmpty: '늘 함께해 주셔서 고마워요. 곧 더 알찬 이야기로 찾아올게요!',
    postClose: '여러분의 생각도 댓글로 들려주세요!',
    captionEmpty: (name) => `오늘도 ${name}${hasBatchim(name) ? '과' : '와'} 함께해요!`,
    captionClose: '또 만나요!',
    dontKnow: '음, 그 부분은 아직 제가 잘 모르는 내용이에요. 다른 궁금한 점이 있으면 편하게 물어봐 주세요!',
    coachOpen: '오늘도 정말 잘하고 계세요!',
    coachLead: '이런 점을 함께 기억해 보면 좋겠어요.',
    coachEmpty: '매일의 작은 실천이 큰 변화를 만들어요.',
    coachClose: '조금씩 꾸준히 하면 분명 좋아질 거예요. 응원할게요!',
  };
}

/** A stable choice among options, so the same prompt always gets the same output. */
function pick<T>(options: T[], seed: string): T | undefined {
  if (!options.length) return undefined;
  return options[createHash('sha256').update(seed).digest().readUInt32BE(0) % options.length];
}

function hashtags(brandValues: string[]): string[] {
  const tags: string[] = [];
  for (const value of brandValues) {
    const tag = value.normalize('NFKC').replace(/[\p{P}\p{S}\s]+/gu, '');
    if (tag && !tags.includes(`#${tag}`)) tags.push(`#${tag}`);
  }
  return tags;
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  let out = '';
  for (const ch of chars) {
    if (out.length + ch.length + 1 > max) break;
    out += ch;
  }
  return `${out.trimEnd()}…`;
}

/** The `count` sentences of a text closest to the query, kept in their original order. */
function bestSentences(text: string, query: string, count: number): string[] {
  const all = sentences(text);
  if (all.length <= count) return all;
  const q = gramStats(query, DEFAULT_NGRAM.min, DEFAULT_NGRAM.max);
  const scored = all.map((sentence, i) => {
    let overlap = 0;
    for (const [gram, { weight }] of gramStats(sentence, DEFAULT_NGRAM.min, DEFAULT_NGRAM.max)) overlap += Math.min(weight, q.get(gram)?.weight ?? 0);
    return { i, score: overlap / Math.sqrt(1 + sentence.length) };
  });
  const chosen = scored.sort((a, b) => b.score - a.score || a.i - b.i).slice(0, count).map((s) => s.i).sort((a, b) => a - b);
  return chosen.map((i) => all[i]);
}

function knowledgeOf(hit: Retrieved, query: string, sentencesPerHit: number): string[] {
  return hit.kind === 'qa' ? bestSentences(hit.answer ?? '', query, sentencesPerHit) : bestSentences(hit.text ?? '', query, sentencesPerHit);
}

/** Digit runs, so "72.5kg" gives 72 and 5. */
function numbersIn(text: string): Set<string> {
  return new Set(text.normalize('NFKC').match(/\d+/gu) ?? []);
}

// ---------------------------------------------------------------- generation

/**
 * Deterministic output in the persona's voice from what the model retrieves; never empty,
 * never quoting the prompt. `sources` counts the retrieved documents the text uses.
 */
export function respond(artifact: Answerable, kind: ContentKind, prompt: string): { text: string; sources: number } {
  const persona = artifact.persona;
  const language = languageOf(persona.language);
  const voice = voiceOf(language, registerOf(persona));
  const name = clean(persona.displayName) || 'AI';
  const catchphrases = persona.catchphrases.map((c) => c.trim()).filter(Boolean);
  const bio = clean(persona.bio);
  const space = language === 'ja' || language === 'zh' ? '' : ' ';

  switch (kind) {
    case 'REPLY': {
      const hits = retrieve(artifact, prompt, 5);
      const qa = hits.find((h) => h.kind === 'qa');
      if (qa && qa.score >= QA_REPLY_THRESHOLD) return { text: qa.answer!, sources: 1 };
      // A question that only loosely matches would get the wrong answer: passages only.
      const passage = hits.find((h) => h.kind === 'text' && h.score >= TEXT_THRESHOLD);
      if (passage) return { text: knowledgeOf(passage, prompt, 2).join(' '), sources: 1 };
      return { text: voice.dontKnow, sources: 0 };
    }

    case 'POST': {
      const hits = retrieve(artifact, prompt, 3).filter((h) => h.score >= TEXT_THRESHOLD);
      const body: string[] = [];
      let length = 0;
      let sources = 0;
      for (const hit of hits) {
        const piece = truncate(knowledgeOf(hit, prompt, 2).join(' '), 280);
        if (length + piece.length > 600 || body.includes(piece)) continue;
        body.push(piece);
        length += piece.length;
        sources++;
      }
      const opening = pick(catchphrases, `post:${prompt}`) ?? voice.greeting(name);
      const paragraphs = [opening, body.length ? `${voice.postLead}${space}${body.join(space)}` : bio || voice.postEmpty, voice.postClose];
      const tags = hashtags(persona.brandValues);
      if (tags.length) paragraphs.push(tags.join(' '));
      return { text: paragraphs.join('\n\n'), sources };
    }

    case 'CAPTION': {
      const hit = retrieve(artifact, prompt, 1).find((h) => h.score >= TEXT_THRESHOLD);
      const tags = hashtags(persona.brandValues).slice(0, 5);
      const close = pick(catchphrases, `caption:${prompt}`) ?? voice.captionClose;
      let tagLine = tags.join(' ');
      // The tags give way before the sentence does.
      while (tagLine.length > 120) tagLine = tagLine.slice(0, tagLine.lastIndexOf(' #') >= 0 ? tagLine.lastIndexOf(' #') : 0);
      const tail = `${space}${close}${tagLine ? `\n${tagLine}` : ''}`;
      const lead = hit ? knowledgeOf(hit, prompt, 1)[0] : voice.captionEmpty(name);
      const text = `${truncate(lead, Math.max(40, CAPTION_MAX_CHARS - tail.length))}${tail}`;
      return { text: truncate(text, CAPTION_MAX_CHARS), sources: hit ? 1 : 0 };
    }

    case 'COACHING': {
      // Numbers in a coaching prompt are health values: they neither steer retrieval nor appear
      // in the output, and nothing of the prompt is quoted.
      const query = prompt.normalize('NFKC').replace(/\d+(?:[.,]\d+)*/gu, ' ');
      const forbidden = numbersIn(prompt);
      const promptText = normalize(prompt);
      const safe = (sentence: string) =>
        ![...numbersIn(sentence)].some((n) => forbidden.has(n)) && !(promptText.length >= 4 && normalize(sentence).includes(promptText));
      const tips: string[] = [];
      let sources = 0;
      for (const hit of retrieve(artifact, query, 3)) {
        if (hit.score < TEXT_THRESHOLD || tips.length >= 2) continue;
        const usable = knowledgeOf(hit, query, 2).filter(safe).filter((s) => !tips.includes(s));
        if (!usable.length) continue;
        tips.push(truncate(usable.join(' '), 240));
        sources++;
      }
      const closing = pick(catchphrases.filter(safe), `coaching:${query}`);
      const parts = [voice.coachOpen, tips.length ? `${voice.coachLead}${space}${tips.join(space)}` : voice.coachEmpty, voice.coachClose];
      if (closing) parts.push(closing);
      return { text: parts.join(space), sources };
    }
  }
  return { text: voice.dontKnow, sources: 0 };
}
