import { findPii, PII_PLACEHOLDERS, redactPii, type PiiFinding, type PiiType } from '../../src/privacy/pii';

// SPEC 5 and 6: uploaded training text and chat messages are redacted before
// they are stored or reach a model. Pure unit tests of the detector: exact
// findings (type and the matched substring), exact redacted output, and the
// ordinary numbers that must NOT be taken for personal data.

type Found = [PiiType, string];

const found = (text: string): Found[] => findPii(text).map((f) => [f.type, text.slice(f.start, f.end)]);

/** Sorted by start, non-overlapping, inside the text, non-empty. */
function expectWellFormed(text: string, findings: PiiFinding[]): void {
  let previousEnd = 0;
  for (const f of findings) {
    expect(f.start).toBeGreaterThanOrEqual(previousEnd);
    expect(f.end).toBeGreaterThan(f.start);
    expect(f.end).toBeLessThanOrEqual(text.length);
    previousEnd = f.end;
  }
}

describe('PII_PLACEHOLDERS', () => {
  it('given every PII type, then its placeholder is the documented token', () => {
    expect(PII_PLACEHOLDERS).toEqual({
      EMAIL: '[EMAIL]',
      PHONE: '[PHONE]',
      RESIDENT_REGISTRATION_NUMBER: '[RRN]',
      CARD_NUMBER: '[CARD]',
      BANK_ACCOUNT: '[ACCOUNT]',
      PASSPORT_NUMBER: '[PASSPORT]',
      IP_ADDRESS: '[IP]',
    });
  });
});

describe('findPii: positives', () => {
  describe('EMAIL', () => {
    it.each<[string, string]>([
      ['hong@example.com', 'hong@example.com'],
      ['메일: hong@example.com로 보내주세요', 'hong@example.com'],
      ['메일:hong@example.com', 'hong@example.com'],
      ['first.last+tag@sub.example.co.kr', 'first.last+tag@sub.example.co.kr'],
      ['a_b%c-d@my-domain.io', 'a_b%c-d@my-domain.io'],
      ['<Hong.GilDong@Example.COM>', 'Hong.GilDong@Example.COM'],
      ['Contact hong@example.com.', 'hong@example.com'],
      ['(user99@mail.example.org)', 'user99@mail.example.org'],
    ])('given %j, then the e-mail %j is found', (text, match) => {
      expect(found(text)).toEqual([['EMAIL', match]]);
    });
  });

  describe('PHONE', () => {
    it.each<[string, string]>([
      ['010-1234-5678', '010-1234-5678'],
      ['010.1234.5678', '010.1234.5678'],
      ['010 1234 5678', '010 1234 5678'],
      ['01012345678', '01012345678'],
      ['011-123-4567', '011-123-4567'],
      ['016-1234-5678', '016-1234-5678'],
      ['017-123-4567', '017-123-4567'],
      ['018-1234-5678', '018-1234-5678'],
      ['019-123-4567', '019-123-4567'],
      ['0111234567', '0111234567'],
      ['연락처는010-1234-5678입니다', '010-1234-5678'],
      ['전화(010-9876-5432)로 연락', '010-9876-5432'],
      ['+82 10-1234-5678', '+82 10-1234-5678'],
      ['+82-10-1234-5678', '+82-10-1234-5678'],
      ['+821012345678', '+821012345678'],
      ['+82 (0)10-1234-5678', '+82 (0)10-1234-5678'],
      ['+82 2-123-4567', '+82 2-123-4567'],
      ['02-123-4567', '02-123-4567'],
      ['02-1234-5678', '02-1234-5678'],
      ['02.1234.5678', '02.1234.5678'],
      ['서울 사무실 02 123 4567', '02 123 4567'],
      ['0212345678', '0212345678'],
      ['070-1234-5678', '070-1234-5678'],
      ['080-123-4567', '080-123-4567'],
      ['1588-1234', '1588-1234'],
      ['고객센터 1644-5678번', '1644-5678'],
      ['1800-1234', '1800-1234'],
    ])('given %j, then the phone number %j is found', (text, match) => {
      expect(found(text)).toEqual([['PHONE', match]]);
    });

    it.each(['031', '032', '033', '041', '042', '043', '044', '051', '052', '053', '054', '055', '061', '062', '063', '064'])(
      'given the area code %s, then 3- and 4-digit exchanges are phone numbers',
      (area) => {
        expect(found(`${area}-123-4567`)).toEqual([['PHONE', `${area}-123-4567`]]);
        expect(found(`사무실 ${area}-1234-5678입니다`)).toEqual([['PHONE', `${area}-1234-5678`]]);
        expect(found(`${area}12345678`)).toEqual([['PHONE', `${area}12345678`]]);
      },
    );
  });

  describe('RESIDENT_REGISTRATION_NUMBER', () => {
    it.each<[string, string]>([
      ['900101-1234567', '900101-1234567'],
      ['9001011234567', '9001011234567'],
      ['주민번호:900101-2234567입니다', '900101-2234567'],
      ['991231-1234567', '991231-1234567'],
      ['050315-4123456', '050315-4123456'],
      ['850315-5123456', '850315-5123456'],
      ['101010-8123456', '101010-8123456'],
      ['000229-3123456', '000229-3123456'], // 2000 is a leap year (gender digit 3 = 2000s)
      ['880229-1123456', '880229-1123456'], // 1988 is a leap year
    ])('given %j, then the RRN %j is found', (text, match) => {
      expect(found(text)).toEqual([['RESIDENT_REGISTRATION_NUMBER', match]]);
    });

    it('given a post-2020 number whose tail fails the legacy checksum, then it is still an RRN', () => {
      // Legacy check digit of 900101-123456? is 8 (weights 2..9,2..5, 11 - sum%11); 0 fails it.
      expect(found('900101-1234560')).toEqual([['RESIDENT_REGISTRATION_NUMBER', '900101-1234560']]);
    });
  });

  describe('CARD_NUMBER', () => {
    it.each<[string, string]>([
      ['4111 1111 1111 1111', '4111 1111 1111 1111'],
      ['4111-1111-1111-1111', '4111-1111-1111-1111'],
      ['4111111111111111', '4111111111111111'],
      ['카드번호: 5555-5555-5555-4444로 결제', '5555-5555-5555-4444'],
      ['3782 822463 10005', '3782 822463 10005'], // Amex 4-6-5
      ['3782-822463-10005', '3782-822463-10005'],
      ['378282246310005', '378282246310005'],
      ['3056 930902 5904', '3056 930902 5904'], // Diners 4-6-4
      ['4222222222222', '4222222222222'], // 13-digit Visa
      ['6011 0000 0000 0000 001', '6011 0000 0000 0000 001'], // 19 digits, 4-4-4-4-3
      ['6011000000000000001', '6011000000000000001'],
      ['4111 1111 1111 1111 2개', '4111 1111 1111 1111'],
    ])('given %j, then the Luhn-valid card %j is found', (text, match) => {
      expect(found(text)).toEqual([['CARD_NUMBER', match]]);
    });

    it('given a Luhn-invalid 4-digit prefix before a card, then the rejected candidate does not hide the card after it', () => {
      expect(found('1234 4111 1111 1111 1111')).toEqual([['CARD_NUMBER', '4111 1111 1111 1111']]);
    });
  });

  describe('BANK_ACCOUNT', () => {
    it.each<[string, string]>([
      ['110-123-456789', '110-123-456789'], // 신한 3-3-6
      ['1002-123-456789', '1002-123-456789'], // 우리 4-3-6
      ['123-456789-01-001', '123-456789-01-001'], // 기업 3-6-2-3
      ['123456-12-123456', '123456-12-123456'], // 국민 6-2-6
      ['3333-01-1234567', '3333-01-1234567'], // 카카오뱅크 4-2-7
      ['301-1234-1234-11', '301-1234-1234-11'], // 농협 3-4-4-2
      ['신한 110-123-456789로 보내주세요', '110-123-456789'],
      ['03-1234-5678', '03-1234-5678'], // phone-shaped but 03 is no area code
    ])('given the grouped account %j, then %j is found', (text, match) => {
      expect(found(text)).toEqual([['BANK_ACCOUNT', match]]);
    });

    it.each<[string, string]>([
      ['계좌번호: 1234567890123', '1234567890123'],
      ['계좌 1234567890', '1234567890'],
      ['국민은행 12345678901234', '12345678901234'],
      ['입금 1234567890 부탁드립니다', '1234567890'],
      ['송금할 통장 12345678901', '12345678901'],
      ['account 1234567890', '1234567890'],
      ['Account No. 12345678901', '12345678901'],
      ['계좌번호는 다음과 같아요 1234567890', '1234567890'], // keyword ends 12 characters before
    ])('given the unbroken run after a keyword %j, then %j is found', (text, match) => {
      expect(found(text)).toEqual([['BANK_ACCOUNT', match]]);
    });
  });

  describe('PASSPORT_NUMBER', () => {
    it.each<[string, string]>([
      ['M12345678', 'M12345678'],
      ['S98765432', 'S98765432'],
      ['R12345678', 'R12345678'],
      ['O12345678', 'O12345678'],
      ['D12345678', 'D12345678'],
      ['M123A4567', 'M123A4567'], // 2021+ format
      ['여권번호M123A4567입니다', 'M123A4567'],
      ['여권번호: AB1234567', 'AB1234567'],
      ['Passport No. X12345678', 'X12345678'],
      ['passport: JP1234567', 'JP1234567'],
    ])('given %j, then the passport number %j is found', (text, match) => {
      expect(found(text)).toEqual([['PASSPORT_NUMBER', match]]);
    });
  });

  describe('IP_ADDRESS', () => {
    it.each<[string, string]>([
      ['192.168.0.1', '192.168.0.1'],
      ['10.0.0.1', '10.0.0.1'],
      ['255.255.255.255', '255.255.255.255'],
      ['0.0.0.0', '0.0.0.0'],
      ['접속 IP는 203.0.113.7입니다', '203.0.113.7'],
      ['192.168.0.1:8080', '192.168.0.1'],
      ['서버192.168.10.20에서', '192.168.10.20'],
      ['2001:db8::1', '2001:db8::1'],
      ['fe80::1ff:fe23:4567:890a', 'fe80::1ff:fe23:4567:890a'],
      ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', '2001:0db8:85a3:0000:0000:8a2e:0370:7334'],
      ['::ffff:192.168.0.1', '::ffff:192.168.0.1'],
      ['IP:2001:db8::1.', '2001:db8::1'],
      ['[2001:db8::1]:443', '2001:db8::1'],
      ['주소는 2001:DB8:0:0:8:800:200C:417A 입니다', '2001:DB8:0:0:8:800:200C:417A'],
    ])('given %j, then the IP address %j is found', (text, match) => {
      expect(found(text)).toEqual([['IP_ADDRESS', match]]);
    });
  });
});

describe('findPii: negatives (ordinary text is left alone)', () => {
  it.each<[string, string]>([
    ['a price', '12,000원'],
    ['a large price', '가격은 1,234,567,890원입니다'],
    ['a dollar amount', '$1,999.99'],
    ['a plain amount', '가격 99000원'],
    ['a price range', '1500-2000원'],
    ['a year range', '1600-1800년대'],
    ['an ISO date', '2024-01-15'],
    ['a dotted date', '2024.01.15'],
    ['a slashed date', '2024/01/15'],
    ['a European date', '15.01.2024'],
    ['a compact date', '20240115'],
    ['a timestamp', '2024-01-15T10:30:00Z'],
    ['a date with a serial', '2024-01-15-0001'],
    ['a Korean date', '오늘은 2024년 1월 15일'],
    ['a time', '12:30:45'],
    ['a short time', '12:30'],
    ['opening hours', '오전 09:00-18:00'],
    ['a version', 'v1.2.3'],
    ['a bare version', '1.2.3'],
    ['a runtime version', 'node 20.19.0'],
    ['a pre-release version', 'version 2.0.0-beta.1'],
    ['a v-prefixed four-part version', 'v10.0.0.1'],
    ['a five-part dotted number', '1.2.3.4.5'],
    ['an IPv4 with an octet over 255', '256.1.1.1'],
    ['an IPv4 with a last octet over 255', '192.168.0.256'],
    ['zero-padded octets', '01.02.03.04'],
    ['a short order number', '주문번호 A-1234'],
    ['an order code', 'ORD-2024-0001'],
    ['an order number', 'order #12345'],
    ['a 10-digit order number without an account keyword', '주문번호 1234567890'],
    ['a 10-digit run without context', '1234567890'],
    ['an account keyword too far away', '계좌 정보는 별도로 안내드립니다 주문 1234567890'],
    ['a postal code', '06236'],
    ['a postal code in Korean', '우편번호 06236'],
    ['a year', '2024'],
    ['a Korean year', '1999년'],
    ['pi', '3.14159'],
    ['a percentage', '0.5%'],
    ['an ISBN', '978-89-1234-567-8'],
    ['an 8-digit run starting 15', '15881234'],
    ['a mobile prefix with too few digits', '010-1234'],
    ['a mobile number with mixed separators', '010-1234.5678'],
    ['a phone number glued to a preceding number', '1-010-1234-5678'],
    ['a 4-4 number that is no representative number', '1234-5678'],
    ['a Luhn-invalid card (spaces)', '4111 1111 1111 1112'],
    ['a Luhn-invalid card (hyphens)', '4111-1111-1111-1112'],
    ['a Luhn-invalid card (unbroken)', '4111111111111112'],
    ['thirteen zeros', '0000000000000'],
    ['an RRN with month 13', '901301-1234567'],
    ['an RRN with month 00', '900001-1234567'],
    ['an RRN with day 32', '900132-1234567'],
    ['an RRN with February 30', '900230-1234567'],
    ['an RRN with February 29 in 2001', '010229-3123456'],
    ['an RRN with February 29 in 1900', '000229-1123456'],
    ['an RRN with gender digit 9', '900101-9234567'],
    ['an RRN with gender digit 0', '900101-0234567'],
    ['an RRN with a short tail', '900101-123456'],
    ['an RRN followed by more digits', '900101-1234567-12'],
    ['a 7-digit passport', 'M1234567'],
    ['a 9-digit passport', 'M123456789'],
    ['a lowercase passport', 'm12345678'],
    ['a passport inside a word', 'XM12345678'],
    ['a generic passport shape without a keyword', 'AB1234567'],
    ['an e-mail without a TLD', 'user@localhost'],
    ['an e-mail without a dot', 'hong@example'],
    ['a handle', '@hong'],
    ['a MAC address', '00:1a:2b:3c:4d:5e'],
    ['C++ scope', 'std::vector<int>'],
    ['a double colon between letters', 'a::b'],
    ['IPv6 loopback', '::1'],
    ['an empty string', ''],
    ['plain Korean', '안녕하세요, 오늘 날씨가 좋네요.'],
  ])('given %s (%j), then nothing is found', (_what, text) => {
    expect(found(text)).toEqual([]);
  });
});

describe('findPii: overlapping candidates', () => {
  it('given 13 digits that are both a valid RRN and Luhn-valid, then the RRN wins the tie', () => {
    expect(found('9001011234563')).toEqual([['RESIDENT_REGISTRATION_NUMBER', '9001011234563']]);
    // The same shape with an impossible month is only a card: the card detector did see it.
    expect(found('9013011234568')).toEqual([['CARD_NUMBER', '9013011234568']]);
  });

  it('given a mobile number after an account keyword, then PHONE wins the tie over BANK_ACCOUNT', () => {
    expect(found('계좌 01012345678')).toEqual([['PHONE', '01012345678']]);
    expect(found('계좌 12345678901')).toEqual([['BANK_ACCOUNT', '12345678901']]);
  });

  it.each([['010-12345-6789'], ['010-1234-56789']])(
    'given the malformed mobile number %j, then it is no PHONE but, as 3 hyphen groups of 12 digits, a BANK_ACCOUNT',
    (text) => {
      expect(found(text)).toEqual([['BANK_ACCOUNT', text]]);
    },
  );

  it('given a Seoul number in account shape, then it is a PHONE, not a BANK_ACCOUNT', () => {
    expect(found('02-1234-5678')).toEqual([['PHONE', '02-1234-5678']]);
  });

  it.each<[string]>([
    ['01012345678@example.com'],
    ['9001011234567@example.com'],
    ['M12345678@example.com'],
    ['4111111111111111@example.com'],
  ])('given digits inside the local part of %j, then the longer e-mail wins and nothing of it is left', (text) => {
    expect(found(text)).toEqual([['EMAIL', text]]);
    expect(redactPii(text).text).toBe('[EMAIL]');
  });

  it('given an IPv6 address ending in an IPv4 address, then one IP finding covers both', () => {
    expect(found('접속 ::ffff:10.0.0.1 에서')).toEqual([['IP_ADDRESS', '::ffff:10.0.0.1']]);
  });

  it('given a 16-digit card with spaces, then it is one CARD and not a phone or account', () => {
    expect(found('5555 5555 5555 4444')).toEqual([['CARD_NUMBER', '5555 5555 5555 4444']]);
  });
});

describe('findPii: several findings in one text', () => {
  it('given one of every type in one line, then each is found once, in order, with exact offsets', () => {
    const text = '홍길동 010-1234-5678, hong@example.com, 900101-1234567, 카드 4111-1111-1111-1111, '
      + '계좌 110-123-456789, 여권 M12345678, IP 192.168.0.1, 2001:db8::1';
    const findings = findPii(text);
    expectWellFormed(text, findings);
    expect(findings.map((f) => [f.type, text.slice(f.start, f.end)])).toEqual([
      ['PHONE', '010-1234-5678'],
      ['EMAIL', 'hong@example.com'],
      ['RESIDENT_REGISTRATION_NUMBER', '900101-1234567'],
      ['CARD_NUMBER', '4111-1111-1111-1111'],
      ['BANK_ACCOUNT', '110-123-456789'],
      ['PASSPORT_NUMBER', 'M12345678'],
      ['IP_ADDRESS', '192.168.0.1'],
      ['IP_ADDRESS', '2001:db8::1'],
    ]);
    expect(findings[0]).toEqual({ type: 'PHONE', start: 4, end: 17 });
  });

  it('given adjacent findings separated only by Korean text over several lines, then all are found', () => {
    const text = '이름: 홍길동\n전화:010-1111-2222,010-3333-4444\n메일은hong@example.com이고\n주민번호900101-1234567입니다';
    expect(found(text)).toEqual([
      ['PHONE', '010-1111-2222'],
      ['PHONE', '010-3333-4444'],
      ['EMAIL', 'hong@example.com'],
      ['RESIDENT_REGISTRATION_NUMBER', '900101-1234567'],
    ]);
  });
});

describe('redactPii', () => {
  it.each<[string, string, Partial<Record<PiiType, number>>]>([
    ['전화 010-1234-5678 메일 hong@example.com', '전화 [PHONE] 메일 [EMAIL]', { PHONE: 1, EMAIL: 1 }],
    ['연락처는010-1234-5678입니다', '연락처는[PHONE]입니다', { PHONE: 1 }],
    ['010-1111-2222 또는 010-3333-4444', '[PHONE] 또는 [PHONE]', { PHONE: 2 }],
    ['주민번호 900101-1234567, 카드 4111-1111-1111-1111', '주민번호 [RRN], 카드 [CARD]', { RESIDENT_REGISTRATION_NUMBER: 1, CARD_NUMBER: 1 }],
    ['신한 110-123-456789로 입금, 여권 M12345678, 접속 IP 192.168.0.1',
      '신한 [ACCOUNT]로 입금, 여권 [PASSPORT], 접속 IP [IP]', { BANK_ACCOUNT: 1, PASSPORT_NUMBER: 1, IP_ADDRESS: 1 }],
    ['계좌번호: 1234567890123 (국민은행)', '계좌번호: [ACCOUNT] (국민은행)', { BANK_ACCOUNT: 1 }],
    ['[2001:db8::1]:443 and 10.0.0.1', '[[IP]]:443 and [IP]', { IP_ADDRESS: 2 }],
    ['hong@example.com', '[EMAIL]', { EMAIL: 1 }],
    ['가격은 12,000원이고 2024-01-15에 v1.2.3으로 배포', '가격은 12,000원이고 2024-01-15에 v1.2.3으로 배포', {}],
    ['', '', {}],
  ])('given %j, then the redacted copy is %j with counts %j', (input, output, counts) => {
    const result = redactPii(input);
    expect(result.text).toBe(output);
    expect(result.counts).toEqual(counts);
    expect(result.findings).toEqual(findPii(input));
    const total = Object.values(result.counts).reduce((a, b) => a + (b ?? 0), 0);
    expect(result.findings).toHaveLength(total);
  });

  it('given a redaction, then the findings still point into the original text', () => {
    const input = '메일 hong@example.com, 전화 010-1234-5678';
    const { text, findings } = redactPii(input);
    expect(text).toBe('메일 [EMAIL], 전화 [PHONE]');
    expect(findings.map((f) => input.slice(f.start, f.end))).toEqual(['hong@example.com', '010-1234-5678']);
  });

  it('given a redacted copy, then redacting it again finds nothing (placeholders are not personal data)', () => {
    const once = redactPii('홍길동 010-1234-5678 hong@example.com 900101-1234567 4111-1111-1111-1111 M12345678 10.0.0.1');
    expect(once.text).toBe('홍길동 [PHONE] [EMAIL] [RRN] [CARD] [PASSPORT] [IP]');
    expect(redactPii(once.text)).toEqual({ text: once.text, findings: [], counts: {} });
  });
});

describe('findPii: adversarial input (no catastrophic backtracking)', () => {
  const MB = 1 << 20;
  // Deterministic pseudo-random characters, so a failure reproduces.
  const noise = (alphabet: string): string => {
    let seed = 20240115;
    let out = '';
    for (let i = 0; i < MB; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      out += alphabet[seed % alphabet.length];
    }
    return out;
  };

  // jest's timeout is the guard: exponential backtracking on any of these would not finish.
  it.each<[string, () => string]>([
    ['random digits, dashes and dots', () => noise('0123456789-.')],
    ['random digits, dashes, dots, spaces and colons', () => noise('0123456789-. :')],
    ['random mixed with letters, @ and keywords', () => noise('0123456789-.:@aFM +계좌여권')],
    ['one run of digits', () => '7'.repeat(MB)],
    ['a dotted chain', () => '1.'.repeat(MB / 2)],
    ['a hyphen chain', () => '1-'.repeat(MB / 2)],
    ['a 4-digit hyphen chain', () => '1234-'.repeat(Math.floor(MB / 5))],
    ['a colon chain', () => '1:'.repeat(MB / 2)],
    ['a hex colon chain', () => 'fe80::'.repeat(Math.floor(MB / 6))],
    ['an e-mail local part without @', () => 'a.'.repeat(MB / 2)],
    ['an endless domain', () => `a@${'b.'.repeat(MB / 2)}`],
    ['repeated @ chains', () => 'a@b.'.repeat(MB / 4)],
  ])('given 1 MB of %s, then findPii finishes with well-formed findings', (_what, build) => {
    const text = build();
    expect(text.length).toBeGreaterThan(MB - 8);
    const findings = findPii(text);
    expect(Array.isArray(findings)).toBe(true);
    expectWellFormed(text, findings);
  });

  it('given 1 MB of structureless runs, then no personal data is invented', () => {
    expect(findPii('7'.repeat(MB))).toEqual([]);
    expect(findPii('1.'.repeat(MB / 2))).toEqual([]);
    expect(findPii('1-'.repeat(MB / 2))).toEqual([]);
    expect(findPii('a.'.repeat(MB / 2))).toEqual([]);
  });

  it('given 1 MB of phone numbers, then every one is found and redacted', () => {
    const count = Math.floor(MB / 14);
    const text = '010-1234-5678 '.repeat(count);
    const result = redactPii(text);
    expect(result.findings).toHaveLength(count);
    expect(result.counts).toEqual({ PHONE: count });
    expect(result.text).toBe('[PHONE] '.repeat(count));
  });
});
