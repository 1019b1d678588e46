import {
  emptySummary, MAX_REPORTED_ISSUES, parseDataset,
  type DatasetFormat, type DatasetRecord, type ParseSummary,
} from '../../src/modules/datasets/dataset-parsers';

type Input = string | Buffer | Array<Buffer | Uint8Array | string>;

async function* chunksOf(input: Input): AsyncGenerator<Buffer | Uint8Array | string> {
  const chunks = Array.isArray(input) ? input : [typeof input === 'string' ? Buffer.from(input, 'utf8') : input];
  for (const chunk of chunks) yield chunk;
}

/** One chunk per byte: every multi-byte character and CRLF is split across chunks. */
function byteByByte(content: string | Buffer): Buffer[] {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return [...bytes].map((b) => Buffer.from([b]));
}

async function parse(format: DatasetFormat, input: Input): Promise<{ records: DatasetRecord[]; summary: ParseSummary }> {
  const summary = emptySummary();
  const records: DatasetRecord[] = [];
  for await (const record of parseDataset(format, chunksOf(input), summary)) records.push(record);
  return { records, summary };
}

const BOM = '\uFEFF';
const crlf = (text: string) => text.replace(/\n/g, '\r\n');
const nonFatal = (summary: ParseSummary) => summary.issues.map(({ line, fatal }) => ({ line, fatal }));

describe('emptySummary', () => {
  it('given nothing parsed, then every count is zero and the file is not malformed', () => {
    expect(emptySummary()).toEqual({ records: 0, qaPairs: 0, issues: [], issueCount: 0, malformed: false });
    expect(MAX_REPORTED_ISSUES).toBe(100);
  });
});

describe('CSV', () => {
  it('given an English question/answer file, then one QA record per row with its line', async () => {
    const { records, summary } = await parse('CSV', 'question,answer\nWhat is AIMEX?,An AI influencer platform\nIs it private?,Yes\n');
    expect(records).toEqual([
      { question: 'What is AIMEX?', answer: 'An AI influencer platform', line: 2 },
      { question: 'Is it private?', answer: 'Yes', line: 3 },
    ]);
    expect(summary).toEqual({ records: 2, qaPairs: 2, issues: [], issueCount: 0, malformed: false });
  });

  it('given 질문/답변 headers with a BOM and CRLF line ends, then the Korean pairs are read without BOM or \\r', async () => {
    const { records, summary } = await parse('CSV', BOM + crlf('질문,답변\n배송은 얼마나 걸리나요?,보통 2~3일 걸립니다.\n반품할 수 있나요?,7일 안에 가능합니다.'));
    expect(records).toEqual([
      { question: '배송은 얼마나 걸리나요?', answer: '보통 2~3일 걸립니다.', line: 2 },
      { question: '반품할 수 있나요?', answer: '7일 안에 가능합니다.', line: 3 },
    ]);
    expect(summary.malformed).toBe(false);
    expect(summary.qaPairs).toBe(2);
  });

  it('given quoted fields with commas, "" escapes and line breaks, then values are unquoted and lines are where rows start', async () => {
    const csv = crlf([
      'id,Question,Answer',
      '1,"Price, in won?","It costs 10,000 won."',
      '2,"Multi',
      'line question","He said ""hi""',
      '',
      'then left"',
      '3,  "spaced"  ,plain',
    ].join('\n'));
    const { records, summary } = await parse('CSV', csv);
    expect(records).toEqual([
      { question: 'Price, in won?', answer: 'It costs 10,000 won.', line: 2 },
      { question: 'Multi\nline question', answer: 'He said "hi"\n\nthen left', line: 3 },
      { question: 'spaced', answer: 'plain', line: 7 },
    ]);
    expect(summary.issueCount).toBe(0);
  });

  it('given header names in any case with spaces and extra columns, then the columns are still found', async () => {
    const { records } = await parse('CSV', 'category, QUESTION ,  Answer\t,note\nfaq,Q1,A1,x\n');
    expect(records).toEqual([{ question: 'Q1', answer: 'A1', line: 2 }]);
  });

  it('given a text column (내용), then each row is a text record; with QA columns too, rows pick their kind', async () => {
    const textOnly = await parse('CSV', '번호,내용\n1,오늘은 신제품을 소개합니다.\n2,"여러 줄,\n본문입니다."\n');
    expect(textOnly.records).toEqual([
      { text: '오늘은 신제품을 소개합니다.', line: 2 },
      { text: '여러 줄,\n본문입니다.', line: 3 },
    ]);
    expect(textOnly.summary).toMatchObject({ records: 2, qaPairs: 0, malformed: false });

    const mixed = await parse('CSV', 'question,answer,text\nQ,A,\n,,just text\n');
    expect(mixed.records).toEqual([{ question: 'Q', answer: 'A', line: 2 }, { text: 'just text', line: 3 }]);
    expect(mixed.summary).toMatchObject({ records: 2, qaPairs: 1 });
  });

  it('given rows missing values, then each is a non-fatal issue with its line; blank and all-empty rows are skipped', async () => {
    const { records, summary } = await parse('CSV', 'question,answer\nQ only,\n\n ,A only\n,\n   \nGood,Row\nshort\n');
    expect(records).toEqual([{ question: 'Good', answer: 'Row', line: 7 }]);
    expect(summary.issues).toEqual([
      { line: 2, message: 'The row has a question but no answer', fatal: false },
      { line: 4, message: 'The row has an answer but no question', fatal: false },
      { line: 8, message: 'The row has a question but no answer', fatal: false },
    ]);
    expect(summary).toMatchObject({ records: 1, qaPairs: 1, issueCount: 3, malformed: false });
  });

  it('given a header with neither QA nor text columns, then a fatal issue on the header line and no records', async () => {
    const { records, summary } = await parse('CSV', '\nname,email\nKim,kim@example.com\n');
    expect(records).toEqual([]);
    expect(summary.malformed).toBe(true);
    expect(summary.issues).toEqual([{ line: 2, message: expect.stringContaining('question and answer columns'), fatal: true }]);
  });

  it('given only a question column (no answer, no text), then the header is not usable', async () => {
    const { summary } = await parse('CSV', 'question\nWhat?\n');
    expect(summary.malformed).toBe(true);
    expect(summary.issues[0]).toMatchObject({ line: 1, fatal: true });
  });

  it('given an empty file, then a fatal missing-header issue', async () => {
    const { records, summary } = await parse('CSV', '');
    expect(records).toEqual([]);
    expect(summary.issues).toEqual([{ line: null, message: 'The CSV file has no header row', fatal: true }]);
    expect(summary.malformed).toBe(true);
  });

  it('given a quote never closed, then rows before it are read and a fatal issue names the line where the row starts', async () => {
    const { records, summary } = await parse('CSV', 'question,answer\nok,fine\n"open,never\nclosed,at all\n');
    expect(records).toEqual([{ question: 'ok', answer: 'fine', line: 2 }]);
    expect(summary.issues).toEqual([{ line: 3, message: 'A quoted field is never closed', fatal: true }]);
    expect(summary.malformed).toBe(true);
  });

  it('given a Korean quoted CSV fed one byte at a time, then the records are the same as in one chunk', async () => {
    const csv = BOM + crlf('질문,답변\n"회원 가입은, 어떻게 하나요?","앱에서\n가입하세요."\n환불?,가능합니다\n');
    const whole = await parse('CSV', csv);
    const bytes = await parse('CSV', byteByByte(csv));
    expect(bytes.records).toEqual([
      { question: '회원 가입은, 어떻게 하나요?', answer: '앱에서\n가입하세요.', line: 2 },
      { question: '환불?', answer: '가능합니다', line: 4 },
    ]);
    expect(bytes).toEqual(whole);
  });
});

describe('JSON', () => {
  it('given an array of the three shapes (and 질문/답변 keys), then records carry the line where their object starts', async () => {
    const json = [
      '[',
      '  {"question": "What is AIMEX?", "answer": "  A platform  "},',
      '  {"질문": "가격은?", "답변": "무료입니다"},',
      '  {',
      '    "text": "Brand story, with [brackets] and {braces} and \\"quotes\\"."',
      '  },',
      '  {"question": "How many?", "answer": 3}',
      ']',
    ].join('\n');
    const { records, summary } = await parse('JSON', json);
    expect(records).toEqual([
      { question: 'What is AIMEX?', answer: 'A platform', line: 2 },
      { question: '가격은?', answer: '무료입니다', line: 3 },
      { text: 'Brand story, with [brackets] and {braces} and "quotes".', line: 4 },
      { question: 'How many?', answer: '3', line: 7 },
    ]);
    expect(summary).toEqual({ records: 4, qaPairs: 3, issues: [], issueCount: 0, malformed: false });
  });

  it('given messages with system, consecutive and unpaired turns, then user->assistant pairs are QA and the rest are text', async () => {
    const json = JSON.stringify([
      { messages: [
        { role: 'system', content: '너는 친절한 상담원이다.' },
        { role: 'user', content: '첫 질문' },
        { role: 'user', content: '두 번째 질문' },
        { role: 'assistant', content: '두 번째에 대한 답' },
        { role: 'assistant', content: '덧붙이는 말' },
        { role: 'user', content: 'Q3' },
        { role: 'system', content: 'interrupt' },
        { role: 'assistant', content: 'A3 unpaired' },
        { role: 'user', content: [{ type: 'text', text: 'Parts' }, { type: 'text', text: 'question' }] },
        { role: 'Assistant', content: 'Parts answer' },
        { role: 'user', content: 'dangling' },
      ] },
    ], null, 2);
    const { records, summary } = await parse('JSON', json);
    expect(records).toEqual([
      { text: '너는 친절한 상담원이다.', line: 2 },
      { text: '첫 질문', line: 2 },
      { question: '두 번째 질문', answer: '두 번째에 대한 답', line: 2 },
      { text: '덧붙이는 말', line: 2 },
      { text: 'Q3', line: 2 },
      { text: 'interrupt', line: 2 },
      { text: 'A3 unpaired', line: 2 },
      { question: 'Parts\nquestion', answer: 'Parts answer', line: 2 },
      { text: 'dangling', line: 2 },
    ]);
    expect(summary).toMatchObject({ records: 9, qaPairs: 2, issueCount: 0, malformed: false });
  });

  it('given messages with a bad role or empty content, then an issue each and pairing is broken there', async () => {
    const json = '[\n{"messages": [{"role": "user", "content": "Q"}, {"role": "tool", "content": "x"}, {"role": "assistant", "content": "A"},\n'
      + '{"role": "user", "content": "Q2"}, {"role": "assistant", "content": "  "}, {"role": "assistant", "content": "A2"}]},\n'
      + '{"messages": []}\n]';
    const { records, summary } = await parse('JSON', json);
    expect(records).toEqual([
      { text: 'Q', line: 2 },
      { text: 'A', line: 2 },
      { text: 'Q2', line: 2 },
      { text: 'A2', line: 2 },
    ]);
    expect(summary.issues).toEqual([
      { line: 2, message: 'messages[1] needs a role of user, assistant or system', fatal: false },
      { line: 2, message: 'messages[4] has no content', fatal: false },
      { line: 4, message: 'messages must be a non-empty array of {role, content}', fatal: false },
    ]);
    expect(summary.malformed).toBe(false);
  });

  it('given unknown shapes, non-objects and empty values, then non-fatal issues on their lines and the good ones kept', async () => {
    const json = '[\n{"title": "x"},\n42,\n{"question": "Q", "answer": ""},\n{"text": "   "},\n{"answer": "A"},\n["nested"],\n{"text": "kept"}\n]\n';
    const { records, summary } = await parse('JSON', json);
    expect(records).toEqual([{ text: 'kept', line: 8 }]);
    expect(summary.issues).toEqual([
      { line: 2, message: 'Unknown object shape: expected {question, answer}, {messages} or {text}', fatal: false },
      { line: 3, message: 'Expected an object: {question, answer}, {messages} or {text}', fatal: false },
      { line: 4, message: 'The object has a question but no answer', fatal: false },
      { line: 5, message: 'The object has an empty text', fatal: false },
      { line: 6, message: 'The object has an answer but no question', fatal: false },
      { line: 7, message: 'Expected an object: {question, answer}, {messages} or {text}', fatal: false },
    ]);
    expect(summary).toMatchObject({ records: 1, issueCount: 6, malformed: false });
  });

  it('given a syntax error on line 4 inside a multi-line object, then a fatal issue on line 4 that does not quote the file', async () => {
    const json = '[\n  {"question": "Q1", "answer": "A1"},\n  {"question": "secret 010-1234-5678",\n   "answer" "missing colon"}\n]';
    const { records, summary } = await parse('JSON', json);
    expect(records).toEqual([{ question: 'Q1', answer: 'A1', line: 2 }]);
    expect(summary.malformed).toBe(true);
    expect(summary.issues).toHaveLength(1);
    expect(summary.issues[0]).toMatchObject({ line: 4, fatal: true });
    expect(summary.issues[0].message).toMatch(/^JSON syntax error: /);
    expect(summary.issues[0].message).not.toContain('010-1234-5678');
    expect(summary.issues[0].message).not.toContain('missing colon');
  });

  it('given a syntax error V8 reports without a position, then the line where the element starts', async () => {
    const { summary } = await parse('JSON', '[\n{"text": "a"},\n\n{"text":\n }\n]');
    expect(summary.issues).toEqual([{ line: 4, message: expect.stringMatching(/^JSON syntax error/), fatal: true }]);
    expect(summary.issues[0].message).not.toContain('"text"');
  });

  it.each([
    ['a top-level object', '{"question": "Q", "answer": "A"}', 1, 'A JSON dataset must be an array of objects'],
    ['an empty file', '  \n', 2, 'The file is empty: expected a JSON array'],
    ['an array never closed', '[\n{"text": "a"},\n', 3, 'JSON syntax error: the array is never closed'],
    ['content after the array', '[{"text": "a"}]\n[]', 2, 'JSON syntax error: unexpected content after the array'],
    ['a trailing comma', '[{"text": "a"},\n]', 2, 'JSON syntax error: unexpected ]'],
    ['a leading comma', '[,{"text": "a"}]', 1, 'JSON syntax error: unexpected ,'],
  ])('given %s, then a fatal issue', async (_name, json, line, message) => {
    const { summary } = await parse('JSON', json);
    expect(summary.malformed).toBe(true);
    expect(summary.issues).toEqual([{ line, message, fatal: true }]);
  });

  it('given missing commas or a stray brace between objects, then a fatal syntax error', async () => {
    for (const json of ['[{"text": "a"} {"text": "b"}]', '[{"text": "a"}}, {"text": "b"}]']) {
      const { summary } = await parse('JSON', json);
      expect(summary.malformed).toBe(true);
      expect(summary.issues).toEqual([{ line: 1, message: expect.stringMatching(/^JSON syntax error: /), fatal: true }]);
    }
  });

  it('given an empty array, then no records and no issues', async () => {
    const { records, summary } = await parse('JSON', ' [ ] ');
    expect(records).toEqual([]);
    expect(summary).toEqual(emptySummary());
  });

  it('given a BOM, CRLF and one byte per chunk, then the records equal the single-chunk parse', async () => {
    const json = BOM + crlf('[\n{"질문": "배송비는? \\"무료\\"인가요, 아니면 {유료}?", "답변": "5만 원 이상 무료 ]"},\n{"text": "😀 이모지"}\n]');
    const bytes = await parse('JSON', byteByByte(json));
    expect(bytes.records).toEqual([
      { question: '배송비는? "무료"인가요, 아니면 {유료}?', answer: '5만 원 이상 무료 ]', line: 2 },
      { text: '😀 이모지', line: 3 },
    ]);
    expect(bytes.summary).toEqual({ records: 2, qaPairs: 1, issues: [], issueCount: 0, malformed: false });
    expect(await parse('JSON', json)).toEqual(bytes);
  });
});

describe('JSONL', () => {
  it('given one object a line in every shape, with blank lines and CRLF, then records carry their line numbers', async () => {
    const jsonl = BOM + crlf([
      '{"question": "What?", "answer": "This."}',
      '',
      '{"질문": "언제 여나요?", "답변": "오전 10시에 엽니다."}',
      '   ',
      '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}',
      '{"text": "브랜드 소개 문구"}',
    ].join('\n'));
    const { records, summary } = await parse('JSONL', jsonl);
    expect(records).toEqual([
      { question: 'What?', answer: 'This.', line: 1 },
      { question: '언제 여나요?', answer: '오전 10시에 엽니다.', line: 3 },
      { question: 'Hi', answer: 'Hello!', line: 5 },
      { text: '브랜드 소개 문구', line: 6 },
    ]);
    expect(summary).toEqual({ records: 4, qaPairs: 3, issues: [], issueCount: 0, malformed: false });
  });

  it('given a line that is not JSON and one that is not an object, then non-fatal issues on their lines and parsing goes on', async () => {
    const jsonl = '{"text": "one"}\n{"text": "two",\n["array"]\n{"text": "three"}\n{"text": "four"}\n';
    const { records, summary } = await parse('JSONL', jsonl);
    expect(records.map((r) => [r.text, r.line])).toEqual([['one', 1], ['three', 4], ['four', 5]]);
    expect(nonFatal(summary)).toEqual([{ line: 2, fatal: false }, { line: 3, fatal: false }]);
    expect(summary.issues[0].message).toMatch(/^The line is not valid JSON: /);
    expect(summary.issues[0].message).not.toContain('two');
    expect(summary.issues[1].message).toBe('Expected an object: {question, answer}, {messages} or {text}');
    expect(summary.malformed).toBe(false);
  });

  it('given more than half of the lines not JSON (a CSV renamed .jsonl), then malformed with a fatal issue at the end', async () => {
    const { records, summary } = await parse('JSONL', 'question,answer\n{"question": "Q", "answer": "A"}\nfoo,bar\n');
    expect(records).toEqual([{ question: 'Q', answer: 'A', line: 2 }]);
    expect(summary.malformed).toBe(true);
    expect(nonFatal(summary)).toEqual([{ line: 1, fatal: false }, { line: 3, fatal: false }, { line: null, fatal: true }]);
  });

  it('given exactly half of the lines invalid, then not malformed', async () => {
    const { summary } = await parse('JSONL', '{"text": "a"}\nnope\n');
    expect(summary).toMatchObject({ records: 1, issueCount: 1, malformed: false });
  });
});

describe('TXT', () => {
  it('given Q:/A: blocks and paragraphs, then pairs (with continuation lines) and text records with their first line', async () => {
    const txt = [
      'Q: What is AIMEX?',          // 1
      'A: A platform for',          // 2
      '   AI influencers.',         // 3
      '',                           // 4
      'Our brand started in 2020.', // 5
      'It grew fast.',              // 6
      '',                           // 7
      '',                           // 8
      'Q: Multi-line',              // 9
      'question?',                  // 10
      'A: Yes.',                    // 11
      'Last paragraph.',            // 12  continues the answer: no blank line before it
    ].join('\n');
    const { records, summary } = await parse('TXT', txt);
    expect(records).toEqual([
      { question: 'What is AIMEX?', answer: 'A platform for\nAI influencers.', line: 1 },
      { text: 'Our brand started in 2020.\nIt grew fast.', line: 5 },
      { question: 'Multi-line\nquestion?', answer: 'Yes.\nLast paragraph.', line: 9 },
    ]);
    expect(summary).toEqual({ records: 3, qaPairs: 2, issues: [], issueCount: 0, malformed: false });
  });

  it('given 질문:/답변: with full-width colons, Q./A., numbered markers and CRLF, then all are pairs', async () => {
    const txt = crlf([
      '질문: 영업시간은?',
      '답변: 오전 9시부터입니다.',
      '',
      '질문： 주차 되나요?',
      '답변： 네, 가능합니다.',
      '',
      'Q. Dot marker?',
      'A. Dot answer.',
      '',
      'Q1: Numbered?',
      'A1: Numbered.',
      '',
      'Q.E.D. is not a marker.',
      'a. neither is this',
    ].join('\n'));
    const { records, summary } = await parse('TXT', txt);
    expect(records).toEqual([
      { question: '영업시간은?', answer: '오전 9시부터입니다.', line: 1 },
      { question: '주차 되나요?', answer: '네, 가능합니다.', line: 4 },
      { question: 'Dot marker?', answer: 'Dot answer.', line: 7 },
      { question: 'Numbered?', answer: 'Numbered.', line: 10 },
      { text: 'Q.E.D. is not a marker.\na. neither is this', line: 13 },
    ]);
    expect(summary.issueCount).toBe(0);
  });

  it('given a question whose answer follows after a blank line, then they still pair', async () => {
    const { records } = await parse('TXT', 'Q: Asked\n\n\nA: Answered\n');
    expect(records).toEqual([{ question: 'Asked', answer: 'Answered', line: 1 }]);
  });

  it('given a question without an answer, an answer without a question and empty values, then non-fatal issues and nothing kept from them', async () => {
    const txt = [
      'Q: Lonely question',  // 1
      '',                    // 2
      'Some paragraph.',     // 3
      '',                    // 4
      'A: Orphan answer',    // 5
      'orphan continuation', // 6
      '',                    // 7
      'Q: Two questions',    // 8
      'Q: in a row',         // 9
      'A:',                  // 10
      '',                    // 11
      'Q: Last one',         // 12
    ].join('\n');
    const { records, summary } = await parse('TXT', txt);
    expect(records).toEqual([{ text: 'Some paragraph.', line: 3 }]);
    expect(summary.issues).toEqual([
      { line: 1, message: 'The question has no answer', fatal: false },
      { line: 5, message: 'The answer has no question', fatal: false },
      { line: 8, message: 'The question has no answer', fatal: false },
      { line: 9, message: 'The answer is empty', fatal: false },
      { line: 12, message: 'The question has no answer', fatal: false },
    ]);
    expect(summary).toMatchObject({ records: 1, qaPairs: 0, issueCount: 5, malformed: false });
  });

  it('given a plain TXT line starting with #, then it is kept as is (headings are only stripped in MD)', async () => {
    const { records } = await parse('TXT', '# not a heading\n');
    expect(records).toEqual([{ text: '# not a heading', line: 1 }]);
  });
});

describe('MD', () => {
  it('given headings, bold and list markers and a code fence with blank lines, then headings lose # and fences stay verbatim', async () => {
    const md = [
      '# 자주 묻는 질문',          // 1
      '',                         // 2
      '## Q: 설치는 어떻게 하나요?', // 3
      'A: 아래 명령을 실행하세요.',  // 4
      '```bash',                  // 5
      'npm install',              // 6
      '',                         // 7
      'Q: not a marker in code',  // 8
      '```',                      // 9
      '',                         // 10
      '**Q:** Bold question?',    // 11
      '**A:** Bold answer.',      // 12
      '',                         // 13
      '- Q: Listed?',             // 14
      '- A: Listed.',             // 15
      '',                         // 16
      '### Brand story ###',      // 17
      'We make *good* things.',   // 18
    ].join('\n');
    const { records, summary } = await parse('MD', md);
    expect(records).toEqual([
      { text: '자주 묻는 질문', line: 1 },
      { question: '설치는 어떻게 하나요?', answer: '아래 명령을 실행하세요.\n```bash\nnpm install\n\nQ: not a marker in code\n```', line: 3 },
      { question: 'Bold question?', answer: 'Bold answer.', line: 11 },
      { question: 'Listed?', answer: 'Listed.', line: 14 },
      { text: 'Brand story\nWe make *good* things.', line: 17 },
    ]);
    expect(summary).toEqual({ records: 5, qaPairs: 3, issues: [], issueCount: 0, malformed: false });
  });

  it('given a fence as its own paragraph, then it is one text record including its blank lines', async () => {
    const { records } = await parse('MD', 'Intro\n\n~~~\na\n\nb\n~~~\n');
    expect(records).toEqual([{ text: 'Intro', line: 1 }, { text: '~~~\na\n\nb\n~~~', line: 3 }]);
  });
});

describe('invalid UTF-8', () => {
  it('given an invalid byte on line 1, then a fatal issue on line 1 and no record from the cut line', async () => {
    const { records, summary } = await parse('TXT', Buffer.from([0x66, 0xff, 0x0a]));
    expect(records).toEqual([]);
    expect(summary).toEqual({
      records: 0, qaPairs: 0, issueCount: 1, malformed: true,
      issues: [{ line: 1, message: 'The file is not valid UTF-8', fatal: true }],
    });
  });

  it('given an invalid byte on line 3 fed one byte a chunk, then records before it are yielded and the issue is on line 3', async () => {
    const bytes = Buffer.concat([Buffer.from('첫 문단입니다.\n\n둘째 '), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(' 문단\n넷째\n')]);
    const { records, summary } = await parse('TXT', byteByByte(bytes));
    expect(records).toEqual([{ text: '첫 문단입니다.', line: 1 }]);
    expect(summary.issues).toEqual([{ line: 3, message: 'The file is not valid UTF-8', fatal: true }]);
    expect(summary.malformed).toBe(true);
  });

  it('given a multi-byte character broken by a newline inside a large chunk, then the line of the broken character', async () => {
    // 0xEA starts a 3-byte character; the following 0x0A is not a continuation byte.
    const bytes = Buffer.concat([Buffer.from('question,answer\n가,나\n다,'), Buffer.from([0xea, 0x0a]), Buffer.from('라,마\n')]);
    const { records, summary } = await parse('CSV', [bytes.subarray(0, 5), bytes.subarray(5)]);
    expect(records).toEqual([{ question: '가', answer: '나', line: 2 }]);
    expect(summary.issues).toEqual([{ line: 3, message: 'The file is not valid UTF-8', fatal: true }]);
  });

  it('given a file ending inside a multi-byte character, then a fatal issue on the last line', async () => {
    const bytes = Buffer.concat([Buffer.from('{"text": "a"}\n{"text": "'), Buffer.from('한').subarray(0, 2)]);
    const { records, summary } = await parse('JSONL', byteByByte(bytes));
    expect(records).toEqual([{ text: 'a', line: 1 }]);
    expect(summary.issues).toEqual([{ line: 2, message: expect.stringContaining('not valid UTF-8'), fatal: true }]);
    expect(summary.malformed).toBe(true);
  });

  it.each([
    ['CSV', 'text\nabc ', ' def\n'],
    ['JSON', '[\n{"text": "abc ', ' def"}]'],
    ['JSONL', '{"text": "a"}\n{"text": "abc ', ' def"}\n'],
    ['MD', '# Title\nabc ', ' def\n'],
  ] as const)('given invalid bytes on line 2 of a %s file, then a fatal issue on line 2', async (format, before, after) => {
    const bytes = Buffer.concat([Buffer.from(before), Buffer.from([0xc3, 0x28]), Buffer.from(after)]);
    const { records, summary } = await parse(format, bytes);
    expect(summary.malformed).toBe(true);
    expect(summary.issues).toEqual([{ line: 2, message: 'The file is not valid UTF-8', fatal: true }]);
    expect(records.every((r) => !JSON.stringify(r).includes('abc'))).toBe(true);
    expect(await parse(format, byteByByte(bytes))).toEqual({ records, summary });
  });

  it('given a BOM split across chunks and string chunks, then the BOM is dropped either way', async () => {
    const bom = Buffer.from(BOM + 'text\n안녕\n');
    expect((await parse('CSV', [bom.subarray(0, 1), bom.subarray(1, 2), bom.subarray(2)])).records).toEqual([{ text: '안녕', line: 2 }]);
    expect((await parse('CSV', [BOM + 'text\n', '안녕\n'])).records).toEqual([{ text: '안녕', line: 2 }]);
  });
});

describe('issue cap', () => {
  it('given 150 bad rows, then issueCount is 150 and only the first 100 issues are kept', async () => {
    const rows = Array.from({ length: 150 }, (_, i) => `question ${i},`);
    const { records, summary } = await parse('CSV', ['question,answer', ...rows, 'fine,row'].join('\n'));
    expect(records).toEqual([{ question: 'fine', answer: 'row', line: 152 }]);
    expect(summary.issueCount).toBe(150);
    expect(summary.issues).toHaveLength(MAX_REPORTED_ISSUES);
    expect(summary.issues.map((i) => i.line)).toEqual(Array.from({ length: 100 }, (_, i) => i + 2));
    expect(summary.malformed).toBe(false);
  });

  it('given a fatal issue after the cap, then it replaces the last kept issue so the reason is reported', async () => {
    const rows = Array.from({ length: 120 }, () => ',answer only');
    const { summary } = await parse('CSV', ['question,answer', ...rows, '"never closed'].join('\n'));
    expect(summary.issueCount).toBe(121);
    expect(summary.issues).toHaveLength(MAX_REPORTED_ISSUES);
    expect(summary.issues[98]).toEqual({ line: 100, message: 'The row has an answer but no question', fatal: false });
    expect(summary.issues[99]).toEqual({ line: 122, message: 'A quoted field is never closed', fatal: true });
    expect(summary.malformed).toBe(true);
  });
});

describe('streaming', () => {
  it('given a 5 MB JSONL in 64 KiB chunks, then every record is counted', async () => {
    const lines: string[] = [];
    let size = 0;
    for (let i = 0; size < 5 * 1024 * 1024; i += 1) {
      const line = i % 3 === 2
        ? JSON.stringify({ text: `소개 문구 ${i} `.repeat(8) })
        : JSON.stringify({ question: `질문 ${i}: 배송은 얼마나 걸리나요?`, answer: `답변 ${i}: 보통 2~3일 걸립니다. `.repeat(3) });
      lines.push(line);
      size += Buffer.byteLength(line) + 1;
    }
    const file = Buffer.from(`${lines.join('\n')}\n`);
    expect(file.length).toBeGreaterThanOrEqual(5 * 1024 * 1024);
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let at = 0; at < file.length; at += 64 * 1024) yield file.subarray(at, at + 64 * 1024);
    }
    const summary = emptySummary();
    let count = 0;
    let lastLine = 0;
    let ordered = true;
    for await (const record of parseDataset('JSONL', chunks(), summary)) {
      if (record.line !== lastLine + 1) ordered = false;
      lastLine = record.line;
      count += 1;
    }
    const texts = Math.floor(lines.length / 3);
    expect(count).toBe(lines.length);
    expect(ordered).toBe(true);
    expect(summary).toEqual({ records: lines.length, qaPairs: lines.length - texts, issues: [], issueCount: 0, malformed: false });
  });
});
