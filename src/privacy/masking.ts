import type { MaskKind } from './registry';

// SPEC 1 formats: name 홍*동, email h***@example.com, phone 010-****-5678.

export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return '*';
  if (chars.length === 2) return `${chars[0]}*`;
  return chars[0] + '*'.repeat(chars.length - 2) + chars[chars.length - 1];
}

export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${[...email.slice(0, at)][0]}***${email.slice(at)}`;
}

export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 8) return '*'.repeat(digits.length);
  const last = digits.slice(-4);
  const first = digits.startsWith('02') ? '02' : digits.slice(0, 3);
  return `${first}-****-${last}`;
}

export function mask(kind: MaskKind, value: string): string {
  switch (kind) {
    case 'name': return maskName(value);
    case 'email': return maskEmail(value);
    case 'phone': return maskPhone(value);
    case 'plain': return value;
  }
}
