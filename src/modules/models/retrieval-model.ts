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

function draftsOf(records: TrainingRecord[]): Draft[] {
  const drafts: Draft[] = [];
  for (const record of records) {
    const pair = qaOf(record);
    if (pair) {
      drafts.push({ kind: 'qa', ...pair });
      continue;
    }
    // A half pair still carries knowledge: it is kept as text.
    const text = clean(record.text) || clean(record.question) || clean(record.answer);
    for (const passage of passages(text)) drafts.push({ kind: 'text', text: passage });
  }
  return drafts;
}

/** A QA pair is its question with its answer at ANSWER_WEIGHT; a passage is its text. */
function partsOf(draft: Draft, ngram: { min: number; max: number }): { grams: Map<string, GramStat>; weight: number }[] {
  return draft.kind === 'qa'
    ? [{ grams: gramStats(draft.question!, ngram.min, ngram.max), weight: 1 }, { grams: gramStats(draft.answer!, ngram.min, ngram.max), weight: ANSWER_WEIGHT }]
    : [{ grams: gramStats(draft.text!, ngram.min, ngram.max), weight: 1 }];
}

/**
 * Terms kept per document: MAX_TERMS_PER_DOCUMENT, less for a large corpus so the whole artifact
 * holds about MAX_VECTOR_ENTRIES terms (it is one JSON object, loaded whole), never under 32.
 */
function termsPerDocument(documents: number): number {
  return Math.max(32, Math.min(MAX_TERMS_PER_DOCUMENT, Math.floor(MAX_VECTOR_ENTRIES / Math.max(1, documents))));
}

function buildArtifact(records: TrainingRecord[], persona: PersonaSpec, progress: (fraction: number) => void): RetrievalArtifact {
  const ngram = { ...DEFAULT_NGRAM };
  const drafts = draftsOf(records);
  const n = drafts.length;
  // Two passes over the grams (document frequencies, then vectors), so the grams of the whole
  // corpus are never in memory at once.
  const df = new Map<string, number>();
  drafts.forEach((draft, i) => {
    const seen = new Set<string>();
    for (const part of partsOf(draft, ngram)) for (const term of part.grams.keys()) seen.add(term);
    for (const term of seen) df.set(term, (df.get(term) ?? 0) + 1);
    progress(((i + 1) / n) * 0.3);
  });
  // df becomes idf in place: smoothed, so a term in every document still weighs 1.
  for (const [term, count] of df) df.set(term, Math.log((1 + n) / (1 + count)) + 1);
  const idfOf = (term: string) => df.get(term)!;
  const cap = termsPerDocument(n);

  const used = new Set<string>();
  const documents: RetrievalDocument[] = drafts.map((draft, i) => {
    const combined: Sparse = new Map();
    for (const part of partsOf(draft, ngram)) addInto(combined, l2normalize(tfidf(part.grams, idfOf)), part.weight);
    const top = [...l2normalize(combined)]
      .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
      .slice(0, cap);
    const vector = [...l2normalize(new Map(top))].map(([t, w]): [string, number] => [t, round(w, 5)]).filter(([, w]) => w > 0);
    for (const [t] of vector) used.add(t);
    progress(0.3 + ((i + 1) / n) * 0.7);
    return draft.kind === 'qa'
      ? { kind: 'qa', question: draft.question, answer: draft.answer, vector }
      : { kind: 'text', text: draft.text, vector };
  });
  const idf: Record<string, number> = {};
  for (const term of [...used].sort()) idf[term] = round(idfOf(term), 5);
  return {
    format: ARTIFACT_FORMAT, persona: { ...persona, catchphrases: [...persona.catchphrases], brandValues: [...persona.brandValues] },
    ngram, idf, documents, trainedAt: new Date().toISOString(),
  };
}

/**
 * Trains on the training split and measures the result on the held-out split. `onProgress`
 * receives strictly increasing fractions, the last one exactly 1.
 */
export function train(records: TrainingRecord[], persona: PersonaSpec, onProgress?: (fraction: number) => void): TrainingResult {
  let last = 0;
  const report = (fraction: number) => {
    const value = Math.min(1, fraction);
    // About a hundred calls at most, whatever the size of the data.
    if (onProgress && (value >= 1 ? last < 1 : value - last >= 0.01)) {
      last = value;
      onProgress(value);
    }
  };
  const { train: trainSet, heldOut } = splitHeldOut(records);
  const buildShare = heldOut.length ? 0.6 : 0.99;
  const artifact = buildArtifact(trainSet, persona, (f) => report(f * buildShare));

  let heldOutAccuracy: number | null = null;
  if (heldOut.length) {
    let total = 0;
    heldOut.forEach((record, i) => {
      const pair = qaOf(record)!;
      total += bigramF1(respond(artifact, 'REPLY', pair.question).text, pair.answer);
      report(buildShare + ((i + 1) / heldOut.length) * (0.99 - buildShare));
    });
    heldOutAccuracy = round(total / heldOut.length, 4);
  }
  report(1);
  const trainingExamples = trainSet.filter((r) => qaOf(r) || clean(r.text) || clean(r.question) || clean(r.answer)).length;
  return { artifact, metrics: { trainingExamples, heldOutExamples: heldOut.length, heldOutAccuracy } };
}

// ---------------------------------------------------------------- retrieval

interface Postings { docs: Int32Array; weights: Float64Array }
interface Index { postings: Map<string, Postings>; idf: Map<string, number>; unknownIdf: number; scores: Float64Array }

// Keyed on the documents array, which survives `{ ...artifact, persona }` copies. An artifact
// is never changed once trained.
const indexes = new WeakMap<RetrievalDocument[], Index>();

function indexOf(artifact: RetrievalArtifact): Index {
  const cached = indexes.get(artifact.documents);
  if (cached) return cached;
  const lengths = new Map<string, number>();
  for (const document of artifact.documents) for (const [term] of document.vector) lengths.set(term, (lengths.get(term) ?? 0) + 1);
  const postings = new Map<string, Postings & { size: number }>();
  for (const [term, length] of lengths) postings.set(term, { docs: new Int32Array(length), weights: new Float64Array(length), size: 0 });
  artifact.documents.forEach((document, doc) => {
    for (const [term, weight] of document.vector) {
      const list = postings.get(term)!;
      list.docs[list.size] = doc;
      list.weights[list.size++] = weight;
    }
  });
  const index: Index = {
    postings, idf: new Map(Object.entries(artifact.idf)), unknownIdf: Math.log(1 + artifact.documents.length) + 1,
    scores: new Float64Array(artifact.documents.length),
  };
  indexes.set(artifact.documents, index);
  return index;
}

/** The k documents most similar to the query (cosine), best first, only those with a score above 0. */
export function retrieve(artifact: RetrievalArtifact, query: string, k = 5): Retrieved[] {
  if (k <= 0) return [];
  const index = indexOf(artifact);
  const ngram = artifact.ngram ?? DEFAULT_NGRAM;
  // Terms the model never saw still count in the query's norm: a query mostly about unknown
  // things scores low, which is what the REPLY threshold relies on.
  const vector = l2normalize(tfidf(gramStats(query, ngram.min, ngram.max), (t) => index.idf.get(t) ?? index.unknownIdf));
  const { scores } = index;
  const touched: number[] = [];
  for (const [term, qWeight] of vector) {
    const list = index.postings.get(term);
    if (!list) continue;
    for (let i = 0; i < list.docs.length; i++) {
      const doc = list.docs[i];
      if (scores[doc] === 0) touched.push(doc);
      scores[doc] += qWeight * list.weights[i];
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
  return best.map(({ doc, score }) => {
    const { vector: _vector, ...rest } = artifact.documents[doc];
    return { ...rest, score: round(score, 6) };
  });
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
export function respond(artifact: RetrievalArtifact, kind: ContentKind, prompt: string): { text: string; sources: number } {
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
