// Deterministic Korean QA data for the training and model-cache benches: pairs
// about a made-up shop, from a fixed vocabulary (no randomness between runs).

const SYLLABLES = Array.from('가나다라마바사아자차카타파하고노도로모보소오조초코토포호구누두루무부수우주추쿠투푸후기니디리미비시이지치키티피히배송환불교환적립쿠폰회원등급매장영업포장선물해외사이즈추천문의결제카드현금할인이벤트');
const ENDINGS = ['은', '는', '이', '가', '을', '를', '에', '로', '도', '요'];
const QUESTIONS = ['얼마나 걸리나요?', '어떻게 하나요?', '가능한가요?', '어디서 하나요?', '언제 되나요?', '알려주세요', '궁금해요'];

/** A small linear congruential generator: the same sequence on every run. */
function lcg(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** `bytes` of JSON lines ({question, answer}), as the redacted copy of a dataset holds them. */
export function qaJsonLines(bytes: number, seed = 7): Buffer {
  const random = lcg(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const vocabulary = Array.from({ length: 4000 }, () => Array.from({ length: 2 + Math.floor(random() * 3) }, () => pick(SYLLABLES)).join(''));
  const word = () => vocabulary[Math.floor(random() ** 1.6 * vocabulary.length)];
  const sentence = (words: number) => Array.from({ length: words }, () => `${word()}${random() < 0.5 ? pick(ENDINGS) : ''}`).join(' ');
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const question = `${sentence(3 + Math.floor(random() * 4))} ${pick(QUESTIONS)}`;
    const answer = `${sentence(8 + Math.floor(random() * 14))}. ${sentence(5 + Math.floor(random() * 8))} ${i % 97}번 안내입니다.`;
    const line = JSON.stringify({ question, answer });
    lines.push(line);
    size += Buffer.byteLength(line, 'utf8') + 1;
  }
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}
