import { createHash } from 'node:crypto';
import {
  bigramF1, charNgrams, compactArtifact, disclosureFor, loadArtifact, MAX_TERMS_PER_DOCUMENT, respond, retrieve, splitHeldOut, train, Trainer, trainCompact, withTermMap,
  type CompactModel, type ContentKind, type PersonaSpec, type RetrievalArtifact, type TrainingRecord,
} from '../../src/modules/models/retrieval-model';

const HANGUL = /[\uac00-\ud7a3]/u;
const KINDS: ContentKind[] = ['POST', 'CAPTION', 'REPLY', 'COACHING'];

const persona = (overrides: Partial<PersonaSpec> = {}): PersonaSpec => ({
  displayName: '하루', bio: null, tone: '친근한', speakingStyle: null, catchphrases: [], brandValues: [], language: 'ko', ...overrides,
});

const shop: TrainingRecord[] = [
  { question: '배송은 얼마나 걸리나요?', answer: '결제 후 보통 2~3일 안에 받아 보실 수 있어요. 제주와 도서산간 지역은 하루이틀 더 걸려요.' },
  { question: '환불은 어떻게 하나요?', answer: '마이페이지 주문 내역에서 환불 신청 버튼을 눌러 주세요. 수령 후 7일 이내라면 전액 환불돼요.' },
  { question: '회원 가입은 어떻게 하나요?', answer: '홈페이지 오른쪽 위의 가입 버튼을 눌러 이메일로 가입하실 수 있어요.' },
  { question: '제품에 설탕이 들어가나요?', answer: '저희 제품은 설탕 대신 천연 감미료를 사용해요.' },
  { question: '매장은 몇 시에 문을 여나요?', answer: '매장은 매일 오전 10시에 열고 오후 9시에 닫아요.' },
  { text: '잠을 충분히 자면 다음 날 운동이 훨씬 가벼워져요. 물을 자주 마시면 피로가 덜 쌓여요.' },
];

/** n distinct QA pairs. */
const pairs = (n: number, prefix = '질문'): TrainingRecord[] =>
  Array.from({ length: n }, (_, i) => ({ question: `${prefix} ${i}번은 무엇인가요?`, answer: `${prefix} ${i}번의 답변입니다.` }));

/** A fixed permutation that moves every element (no randomness in tests). */
const shuffled = <T>(items: T[]): T[] => items.map((_, i) => items[(i * 7 + 3) % items.length]);

const sha = (r: TrainingRecord) => createHash('sha256').update(r.question!).update('\u0000').update(r.answer!).digest('hex');

describe('charNgrams', () => {
  it('given Korean words, when cut, then it yields 2- and 3-grams of the space-padded text, across the word boundary', () => {
    // " 배송 기간 ": bigrams " 배" "배송" "송 " " 기" "기간" "간 ", trigrams " 배송" "배송 " "송 기" " 기간" "기간 ".
    expect(Object.fromEntries(charNgrams('배송 기간'))).toEqual({
      ' 배': 1, 배송: 1, '송 ': 1, ' 기': 1, 기간: 1, '간 ': 1,
      ' 배송': 1, '배송 ': 1, '송 기': 1, ' 기간': 1, '기간 ': 1,
    });
  });

  it('given English with punctuation and capitals, when cut, then it counts repeated grams on the normalised text', () => {
    // "Hi, AI" -> " hi ai ": "i " occurs twice.
    expect(Object.fromEntries(charNgrams('Hi, AI'))).toEqual({
      ' h': 1, hi: 1, 'i ': 2, ' a': 1, ai: 1,
      ' hi': 1, 'hi ': 1, 'i a': 1, ' ai': 1, 'ai ': 1,
    });
  });

  it('given full-width letters, decomposed Hangul jamo, extra spaces and punctuation, when cut, then NFKC makes them equal to the plain text', () => {
    expect(charNgrams('Ｈｉ!!   ａｉ')).toEqual(charNgrams('hi ai'));
    expect(charNgrams('\u1100\u1161\u11ab 배송?')).toEqual(charNgrams('간 배송'));
  });

  it('given other n-gram bounds, when cut, then only those lengths come out', () => {
    expect([...charNgrams('가나다', 3, 3).keys()]).toEqual([' 가나', '가나다', '나다 ']);
    expect([...charNgrams('ab', 1, 1).keys()]).toEqual(['a', 'b']);
  });

  it('given nothing but punctuation or spaces, when cut, then there are no grams', () => {
    expect(charNgrams('?! ... ').size).toBe(0);
    expect(charNgrams('').size).toBe(0);
  });
});

describe('bigramF1', () => {
  it('given one differing last character, then precision 2/3 and recall 2/3 give 2/3', () => {
    // ab bc cd vs ab bc ce: overlap 2 of 3 each.
    expect(bigramF1('abcd', 'abce')).toBeCloseTo(2 / 3, 10);
  });

  it('given Korean with different spacing and an extra particle, then P = 3/3, R = 3/4, F1 = 6/7', () => {
    // 배송 송기 기간 vs 배송 송기 기간 간은 (spaces are ignored).
    expect(bigramF1('배송 기간', '배송기간은')).toBeCloseTo(6 / 7, 10);
    expect(bigramF1('배송기간은', '배송 기간')).toBeCloseTo(6 / 7, 10);
  });

  it('given repeated bigrams, then overlap is a multiset minimum: P = 1/3, R = 1, F1 = 1/2', () => {
    // aaaa: aa x3; aa: aa x1; overlap 1.
    expect(bigramF1('aaaa', 'aa')).toBeCloseTo(0.5, 10);
  });

  it('given identical, normalised-equal, disjoint and empty strings, then 1, 1, 0, and the empty rules', () => {
    expect(bigramF1('배송은 2~3일 걸려요', '배송은 2~3일 걸려요')).toBe(1);
    expect(bigramF1('Hello!', 'hello')).toBe(1);
    expect(bigramF1('가' , '가')).toBe(1);
    expect(bigramF1('ab', 'cd')).toBe(0);
    expect(bigramF1('', '')).toBe(1);
    expect(bigramF1('?!', ' ')).toBe(1);
    expect(bigramF1('', 'ab')).toBe(0);
    expect(bigramF1('ab', '')).toBe(0);
  });
});

describe('splitHeldOut', () => {
  it.each([[0, 0], [9, 0], [10, 1], [19, 1], [20, 2], [25, 2]])('given %i QA pairs, then exactly %i are held out', (n, held) => {
    const records = pairs(n);
    const { train: trainSet, heldOut } = splitHeldOut(records);
    expect(heldOut).toHaveLength(held);
    expect(trainSet).toHaveLength(n - held);
    expect(new Set([...trainSet, ...heldOut])).toEqual(new Set(records));
  });

  it('given the same pairs in another order, then the same pairs are held out, and train keeps the input order', () => {
    const records = pairs(25);
    const a = splitHeldOut(records);
    const b = splitHeldOut(shuffled(records));
    expect(b.heldOut.map((r) => r.question)).toEqual(a.heldOut.map((r) => r.question));
    expect(a.train).toEqual(records.filter((r) => !a.heldOut.includes(r)));
  });

  it('given 25 pairs, then the held-out ones are those with the smallest sha256 of question and answer', () => {
    const records = pairs(25);
    const smallest = [...records].sort((x, y) => (sha(x) < sha(y) ? -1 : 1)).slice(0, 2);
    expect(splitHeldOut(records).heldOut).toEqual(smallest);
  });

  it('given text records and half pairs, then they are never held out and do not count towards the tenth', () => {
    const texts: TrainingRecord[] = Array.from({ length: 50 }, (_, i) => ({ text: `본문 ${i}` }));
    const halves: TrainingRecord[] = [{ question: '답이 없는 질문' }, { answer: '질문이 없는 답' }, { question: '  ', answer: '공백 질문' }];
    expect(splitHeldOut([...texts, ...halves, ...pairs(9)]).heldOut).toHaveLength(0);

    const { train: trainSet, heldOut } = splitHeldOut([...texts, ...pairs(10), ...halves]);
    expect(heldOut).toHaveLength(1);
    expect(heldOut[0].question).toMatch(/^질문 \d번은/);
    for (const record of [...texts, ...halves]) expect(trainSet).toContain(record);
  });
});

describe('train and retrieve', () => {
  const { artifact, metrics } = train(shop, persona());

  it('given a Korean paraphrase of a stored question, when retrieving, then the right pair ranks first', () => {
    const hits = retrieve(artifact, '배송 기간이 어떻게 되나요?');
    expect(hits[0]).toMatchObject({ kind: 'qa', question: '배송은 얼마나 걸리나요?', answer: shop[0].answer });
    expect(hits[0].score).toBeGreaterThan(hits[1]?.score ?? 0);
    expect(retrieve(artifact, '환불 받고 싶어요')[0].question).toBe('환불은 어떻게 하나요?');
    expect(retrieve(artifact, '가입 방법 알려주세요')[0].question).toBe('회원 가입은 어떻게 하나요?');
  });

  it('given a query, then results are best first, with 0 < score <= 1, at most k, and never carry vectors', () => {
    const hits = retrieve(artifact, '제품 설탕 환불', 3);
    expect(hits.length).toBeGreaterThan(1);
    expect(hits.length).toBeLessThanOrEqual(3);
    for (const [i, hit] of hits.entries()) {
      expect(hit.score).toBeGreaterThan(0);
      expect(hit.score).toBeLessThanOrEqual(1 + 1e-9);
      if (i > 0) expect(hit.score).toBeLessThanOrEqual(hits[i - 1].score);
      expect(hit).not.toHaveProperty('vector');
    }
    expect(retrieve(artifact, '제품 설탕 환불', 1)).toEqual(hits.slice(0, 1));
    expect(retrieve(artifact, '제품 설탕 환불', 0)).toEqual([]);
  });

  it('given a query sharing no character with the data, then nothing is retrieved', () => {
    expect(retrieve(artifact, 'xyz qwv')).toEqual([]);
    expect(retrieve(artifact, '')).toEqual([]);
  });

  it('given fewer than 10 QA pairs, then nothing is held out, accuracy is null and text records count as training examples', () => {
    expect(metrics).toEqual({ trainingExamples: 6, heldOutExamples: 0, heldOutAccuracy: null });
    expect(artifact.documents.filter((d) => d.kind === 'qa')).toHaveLength(5);
    expect(artifact.documents.filter((d) => d.kind === 'text')).toHaveLength(1);
  });

  it('given an artifact, then every vector is L2-normalised and capped, and idf holds exactly the terms the vectors use', () => {
    const longText = Array.from({ length: 60 }, (_, i) => `문장${i} 가나다라마바사${String.fromCharCode(0xac00 + i * 37)}.`).join(' ');
    const { artifact: big } = train([...shop, { text: longText }], persona());
    const used = new Set<string>();
    for (const doc of big.documents) {
      expect(doc.vector.length).toBeLessThanOrEqual(MAX_TERMS_PER_DOCUMENT);
      expect(Math.sqrt(doc.vector.reduce((s, [, w]) => s + w * w, 0))).toBeCloseTo(1, 3);
      for (const [term] of doc.vector) used.add(term);
    }
    expect(big.documents.some((d) => d.vector.length === MAX_TERMS_PER_DOCUMENT)).toBe(true);
    expect(new Set(Object.keys(big.idf))).toEqual(used);
    expect(big).toMatchObject({ format: 'aimex-retrieval/1', ngram: { min: 2, max: 3 }, persona: persona() });
  });

  it('given an artifact, when it goes through JSON, then it is unchanged and retrieves and responds the same', () => {
    const copy = JSON.parse(JSON.stringify(artifact)) as RetrievalArtifact;
    expect(copy).toEqual(artifact);
    expect(retrieve(copy, '배송 기간이 어떻게 되나요?')).toEqual(retrieve(artifact, '배송 기간이 어떻게 되나요?'));
    for (const kind of KINDS) expect(respond(copy, kind, '배송 기간')).toEqual(respond(artifact, kind, '배송 기간'));
  });
});

describe('held-out metrics', () => {
  // Ten topics, each asked twice in slightly different words.
  const topics = [
    ['배송은 얼마나 걸리나요?', '배송은 보통 얼마나 걸리나요?', '결제 후 2~3일 안에 도착해요.'],
    ['환불은 어떻게 하나요?', '환불 신청은 어떻게 하나요?', '마이페이지에서 환불 신청 버튼을 눌러 주세요.'],
    ['회원 가입은 어떻게 하나요?', '회원 가입 방법이 궁금해요', '홈페이지 위쪽의 가입 버튼으로 가입할 수 있어요.'],
    ['제품에 설탕이 들어가나요?', '이 제품에도 설탕이 들어가나요?', '설탕 대신 천연 감미료를 넣었어요.'],
    ['매장 영업시간이 어떻게 되나요?', '매장 영업시간을 알려 주세요', '매일 오전 열 시부터 오후 아홉 시까지 열어요.'],
    ['포인트는 언제 적립되나요?', '포인트 적립은 언제 되나요?', '구매 확정 다음 날 포인트가 들어와요.'],
    ['쿠폰은 어디서 받나요?', '할인 쿠폰은 어디서 받나요?', '이벤트 페이지에서 쿠폰을 내려받을 수 있어요.'],
    ['비밀번호를 잊어버렸어요', '비밀번호를 잊어버렸는데 어떡하죠?', '로그인 화면의 비밀번호 찾기를 눌러 주세요.'],
    ['교환도 가능한가요?', '사이즈 교환도 가능한가요?', '수령 후 일주일 안에 고객센터로 교환을 요청해 주세요.'],
    ['해외 배송도 되나요?', '해외로도 배송이 되나요?', '아직은 국내 배송만 하고 있어요.'],
  ];
  const unrelated = [
    '고양이는 하루에 열여섯 시간을 잔다.', '바다 위로 갈매기가 천천히 날았다.', '기차는 새벽 다섯 시에 출발했다.', '도서관 창가 자리는 늘 붐빈다.',
    '겨울 산에는 눈꽃이 피어 있었다.', '할머니는 마당에서 콩을 까셨다.', '축구 경기는 연장전 끝에 끝났다.', '피아노 건반 하나가 고장 났다.',
    '우주 정거장은 지구를 돈다.', '시장 골목에서 떡볶이 냄새가 났다.', '강아지가 공을 물고 뛰어왔다.', '박물관에 공룡 화석이 새로 들어왔다.',
    '새벽 안개가 호수를 덮었다.', '택배 상자가 현관 앞에 쌓였다.', '오래된 라디오에서 옛 노래가 흘렀다.', '아이들이 운동장에서 연을 날렸다.',
    '화산 폭발로 섬이 새로 생겼다.', '커피 향이 사무실에 퍼졌다.', '등대 불빛이 밤바다를 비췄다.', '달팽이가 상추 잎 위를 기어갔다.',
  ];
  const consistent: TrainingRecord[] = topics.flatMap(([q1, q2, answer]) => [{ question: q1, answer }, { question: q2, answer }]);
  // Same questions, but every answer is about something else, so a near-duplicate's answer says nothing about the reference.
  const inconsistent: TrainingRecord[] = consistent.map((r, i) => ({ question: r.question, answer: unrelated[i] }));

  it('given held-out questions whose near-duplicates train with the same answer, then 2 of 20 are held out and accuracy is high', () => {
    const { artifact, metrics } = train(consistent, persona());
    expect(metrics.trainingExamples).toBe(18);
    expect(metrics.heldOutExamples).toBe(2);
    expect(metrics.heldOutAccuracy).toBeGreaterThan(0.5);
    expect(metrics.heldOutAccuracy).toBeLessThanOrEqual(1);
    // The shipped model is the one measured: it never saw the held-out pairs.
    const held = splitHeldOut(consistent).heldOut;
    expect(artifact.documents).toHaveLength(18);
    for (const record of held) expect(artifact.documents.map((d) => d.question)).not.toContain(record.question);
  });

  it('given answers unrelated to each other, then accuracy is lower than with consistent answers', () => {
    const good = train(consistent, persona()).metrics.heldOutAccuracy!;
    const bad = train(inconsistent, persona()).metrics;
    expect(bad.heldOutExamples).toBe(2);
    expect(bad.heldOutAccuracy).not.toBeNull();
    expect(bad.heldOutAccuracy!).toBeLessThan(good);
    expect(bad.heldOutAccuracy!).toBeLessThan(0.3);
  });

  it('given a progress callback, then fractions strictly increase within (0, 1] and end at exactly 1', () => {
    for (const records of [consistent, shop, []]) {
      const seen: number[] = [];
      train(records, persona(), (f) => seen.push(f));
      expect(seen.length).toBeGreaterThan(0);
      expect(seen[seen.length - 1]).toBe(1);
      for (const [i, f] of seen.entries()) {
        expect(f).toBeGreaterThan(i === 0 ? 0 : seen[i - 1]);
        expect(f).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('respond', () => {
  const brand = persona({ catchphrases: ['오늘도 건강하게!'], brandValues: ['건강', '정직한 재료'] });
  const { artifact } = train(shop, brand);

  it('given a REPLY to a paraphrased question, then it is the stored answer, verbatim', () => {
    expect(respond(artifact, 'REPLY', '배송 기간이 어떻게 되나요?')).toEqual({ text: shop[0].answer, sources: 1 });
  });

  it('given a REPLY about something only a text record covers, then it answers from that text', () => {
    expect(respond(artifact, 'REPLY', '잠을 충분히 자면 좋은 점')).toEqual({ text: shop[5].text, sources: 1 });
  });

  it('given a REPLY to an unknown topic, then it says it does not know, in the persona language and register', () => {
    const friendly = respond(artifact, 'REPLY', '양자역학이 뭐예요?');
    expect(friendly.sources).toBe(0);
    expect(friendly.text).toMatch(HANGUL);
    expect(friendly.text).toContain('모르는');
    expect(shop.map((r) => r.answer)).not.toContain(friendly.text);

    const formal = respond({ ...artifact, persona: persona({ tone: '정중하고 격식 있는' }) }, 'REPLY', '양자역학이 뭐예요?');
    expect(formal.text).toContain('죄송합니다');
    expect(formal.text).not.toEqual(friendly.text);

    const english = respond({ ...artifact, persona: persona({ language: 'en' }) }, 'REPLY', '양자역학이 뭐예요?');
    expect(english.text).toContain("don't know");
    expect(english.text).not.toMatch(HANGUL);
  });

  it('given a POST, then it opens with a catchphrase, uses what it retrieved and ends with brand values as hashtags', () => {
    const { text, sources } = respond(artifact, 'POST', '배송 기간');
    expect(text.startsWith('오늘도 건강하게!')).toBe(true);
    expect(text).toContain('결제 후 보통 2~3일 안에 받아 보실 수 있어요.');
    expect(text.endsWith('#건강 #정직한재료')).toBe(true);
    expect(sources).toBeGreaterThanOrEqual(1);
  });

  it('given a POST for a persona without catchphrases or brand values, then it greets by name and carries no hashtags', () => {
    const plain = { ...artifact, persona: persona({ displayName: '민준' }) };
    const { text } = respond(plain, 'POST', '배송 기간');
    expect(text.startsWith('안녕하세요, 민준이에요!')).toBe(true);
    expect(text).not.toContain('#');
    const casual = respond({ ...artifact, persona: persona({ speakingStyle: '반말' }) }, 'POST', '배송 기간').text;
    expect(casual.startsWith('안녕, 나 하루야!')).toBe(true);
  });

  it('given a CAPTION over very long text and many long brand values, then it stays within 300 characters with hashtags', () => {
    const long = 'ㅎ'.repeat(10) + ' 캠핑 장비는 가볍고 튼튼해야 해요'.repeat(60);
    const { artifact: big } = train([{ text: long }], persona({ brandValues: Array.from({ length: 10 }, (_, i) => `브랜드 가치 ${'가'.repeat(40)} ${i}`) }));
    const { text, sources } = respond(big, 'CAPTION', '캠핑 장비');
    expect(text.length).toBeLessThanOrEqual(300);
    expect(text).toContain('캠핑');
    expect(text).toContain('#브랜드가치');
    expect(sources).toBe(1);

    const short = respond(artifact, 'CAPTION', '배송 기간').text;
    expect(short.length).toBeLessThanOrEqual(300);
    expect(short).toContain('#건강 #정직한재료');
  });

  it('given a COACHING prompt with health values, then no number from it and no part of it is echoed, but retrieved advice is', () => {
    const { artifact: coach } = train([
      { text: '체중 관리는 꾸준한 식단에서 시작돼요. 걸음 수는 하루 3000보부터 천천히 늘려 보세요.' },
      { text: '잠을 충분히 자면 다음 날 운동이 훨씬 가벼워져요.' },
    ], persona({ catchphrases: ['72.5점짜리 하루도 괜찮아요', '오늘도 힘내요!'] }));
    const prompt = '오늘 체중 72.5kg, 걸음 3000보';
    const { text, sources } = respond(coach, 'COACHING', prompt);
    expect(text).not.toMatch(/\d/);
    expect(text).not.toContain('kg');
    expect(text).not.toContain(prompt);
    expect(text).toContain('체중 관리는 꾸준한 식단에서 시작돼요.');
    expect(text).toMatch(HANGUL);
    expect(sources).toBe(1);
    // The same advice without numbers in the prompt keeps its own number: the filter is about the prompt.
    expect(respond(coach, 'COACHING', '오늘 체중이랑 걸음 수 기록했어요').text).toContain('3000보');
  });

  it('given an English persona, then templates are English and the output is labelled in English', () => {
    const { artifact: en } = train([{ question: 'How long does delivery take?', answer: 'Orders arrive within three days.' }],
      persona({ displayName: 'Sunny', language: 'en', catchphrases: [], brandValues: ['Honest food'] }));
    expect(respond(en, 'REPLY', 'delivery time?').text).toBe('Orders arrive within three days.');
    const post = respond(en, 'POST', 'delivery').text;
    expect(post.startsWith("Hi, Sunny here!")).toBe(true);
    expect(post).toContain('Orders arrive within three days.');
    expect(post.endsWith('#Honestfood')).toBe(true);
    for (const kind of KINDS) expect(respond(en, kind, 'delivery').text).not.toMatch(HANGUL);
  });

  it('given an empty model or an empty prompt, then every kind still answers, in Korean by default, the same way each time', () => {
    const { artifact: empty } = train([], persona({ language: 'fr' }));
    for (const kind of KINDS) {
      for (const [model, prompt] of [[empty, '아무거나'], [artifact, ''], [empty, '']] as const) {
        const out = respond(model, kind, prompt);
        expect(out.text.trim().length).toBeGreaterThan(0);
        expect(out.text).toMatch(HANGUL);
        expect(respond(model, kind, prompt)).toEqual(out);
      }
    }
  });
});

describe('the compact form (aimex-retrieval/3)', () => {
  const records: TrainingRecord[] = [...shop, ...pairs(30), { text: '이모지 😀 와 𝒜 같은 글자도 검색돼요. 𝒜는 수학 글자예요.' }, { question: '반쪽 질문' }];
  const { artifact, metrics } = train(records, persona());
  const prompts = ['배송 기간이 어떻게 되나요?', '질문 7번은 무엇인가요?', '😀 이모지', '𝒜 글자', '', 'xyz', '환불 받고 싶어요'];

  it('given a JSON artifact, when stored compact and loaded, then every kind answers exactly as from the JSON, scores included', () => {
    const stored = compactArtifact(artifact);
    expect(stored.subarray(0, 8).toString('latin1')).toBe('AIMEXRM3');
    const loaded = loadArtifact(stored);
    expect(loaded).toMatchObject({ format: 'aimex-retrieval/3', persona: artifact.persona, ngram: artifact.ngram, documentCount: artifact.documents.length });
    for (const prompt of prompts) {
      expect(retrieve(loaded, prompt, 5)).toEqual(retrieve(artifact, prompt, 5));
      for (const kind of KINDS) expect(respond(loaded, kind, prompt)).toEqual(respond(artifact, kind, prompt));
    }
    // A JSON artifact (RunPod's, or one stored before) loads too; a persona override reaches the answer.
    const fromJson = loadArtifact(Buffer.from(JSON.stringify(artifact), 'utf8'));
    expect(retrieve(fromJson, prompts[0])).toEqual(retrieve(artifact, prompts[0]));
    expect(respond({ ...loaded, persona: persona({ language: 'en' }) }, 'REPLY', '양자역학이 뭐예요?').text).toContain("don't know");
  });

  it('given records streamed into a Trainer, then the compact artifact and metrics equal training on the whole list', () => {
    const trainer = new Trainer(persona());
    for (const record of records) trainer.add(record);
    const seen: number[] = [];
    const streamed = trainCompact(trainer, (f) => seen.push(f));
    expect(streamed.metrics).toEqual(metrics);
    expect(seen.at(-1)).toBe(1);
    const loaded = loadArtifact(streamed.artifact);
    for (const prompt of prompts) expect(retrieve(loaded, prompt, 5)).toEqual(retrieve(artifact, prompt, 5));
  });

  it('given a loaded model, then it is about the size of its bytes: typed-array views over one buffer, 6 bytes a posting', () => {
    const loaded = loadArtifact(compactArtifact(artifact));
    const { index } = loaded;
    for (const view of [index.idf, index.postingWeights, index.postingDocs, index.termStarts, index.docStarts]) expect(view.buffer).toBe(loaded.buffer.buffer);
    expect(index.postingWeights).toBeInstanceOf(Float32Array);
    expect(index.postingDocs).toBeInstanceOf(Uint16Array);
  });

  it('given terms looked up as bytes, then the same documents as a lookup by string, lone surrogates and 4-byte characters included', () => {
    const loaded = loadArtifact(compactArtifact(artifact));
    const mapped = withTermMap(loaded);
    for (const prompt of [...prompts, '\ud800배송', '배송\udfff 기간', '𝒜𝒜', 'é ü 배송']) expect(retrieve(loaded, prompt, 5)).toEqual(retrieve(mapped, prompt, 5));
  });

  it('given an artifact of format 2 (8-byte weights, 4-byte documents), then it loads and answers as its format 3 form', () => {
    const loaded = loadArtifact(compactArtifact(artifact));
    const v2 = loadArtifact(asFormat2(loaded));
    expect(v2.index.postingWeights).toBeInstanceOf(Float64Array);
    expect(v2.index.postingDocs).toBeInstanceOf(Int32Array);
    for (const prompt of prompts) {
      expect(retrieve(v2, prompt, 5)).toEqual(retrieve(loaded, prompt, 5));
      for (const kind of KINDS) expect(respond(v2, kind, prompt)).toEqual(respond(loaded, kind, prompt));
    }
  });
});

/** The bytes format 2 had for the same model: what models trained before format 3 are stored as. */
function asFormat2(model: CompactModel): Buffer {
  const { index } = model;
  const header = Buffer.from(JSON.stringify({
    format: 'aimex-retrieval/2', persona: model.persona, ngram: model.ngram, trainedAt: model.trainedAt, terms: index.idf.length, documents: model.documentCount,
    postings: index.postingDocs.length, termBytes: index.termBytes.length, textBytes: index.docText.length, termTable: index.termTable.length,
  }), 'utf8');
  const align = (n: number) => (n + 7) & ~7;
  const sections = [
    Buffer.from(index.idf.buffer, index.idf.byteOffset, index.idf.byteLength),
    Buffer.from(Float64Array.from(index.postingWeights).buffer),
    Buffer.from(index.termStarts.buffer, index.termStarts.byteOffset, index.termStarts.byteLength),
    Buffer.from(index.postingStarts.buffer, index.postingStarts.byteOffset, index.postingStarts.byteLength),
    Buffer.from(Int32Array.from(index.postingDocs).buffer),
    Buffer.from(index.docStarts.buffer, index.docStarts.byteOffset, index.docStarts.byteLength),
    Buffer.from(index.termTable.buffer, index.termTable.byteOffset, index.termTable.byteLength),
    Buffer.from(index.docKinds.buffer, index.docKinds.byteOffset, index.docKinds.byteLength),
  ];
  const parts: Buffer[] = [Buffer.from('AIMEXRM2', 'latin1'), Buffer.alloc(4), header];
  parts[1].writeUInt32LE(header.length);
  let size = 12 + header.length;
  const pad = () => { const to = align(size); if (to > size) parts.push(Buffer.alloc(to - size)); size = to; };
  for (const section of sections) {
    pad();
    parts.push(section);
    size += section.length;
  }
  pad();
  parts.push(index.termBytes, index.docText);
  return Buffer.concat(parts);
}

describe('disclosureFor', () => {
  it.each([
    ['ko', 'AI가 생성한 콘텐츠입니다'],
    ['en', 'This content was generated by AI.'],
    ['ja', 'このコンテンツはAIによって生成されました。'],
    ['zh', '此内容由AI生成。'],
    ['EN-us', 'This content was generated by AI.'],
    ['ko-KR', 'AI가 생성한 콘텐츠입니다'],
    ['fr', 'AI가 생성한 콘텐츠입니다'],
    ['', 'AI가 생성한 콘텐츠입니다'],
  ])('given %j, then %s', (language, label) => {
    expect(disclosureFor(language)).toBe(label);
  });
});
