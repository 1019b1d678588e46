import { badInput } from '../errors';

// Input checks shared by services; each names the field at fault (SPEC 2).

export function requiredText(value: string | null | undefined, field: string, max: number): string {
  const text = (value ?? '').trim();
  if (!text) throw badInput(`${field} must not be blank`, field);
  if ([...text].length > max) throw badInput(`${field} must be at most ${max} characters`, field);
  return text;
}

export function optionalText(value: string | null | undefined, field: string, max: number): string | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (!text) return null;
  if ([...text].length > max) throw badInput(`${field} must be at most ${max} characters`, field);
  return text;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normalizeEmail(value: string, field = 'email'): string {
  const email = value.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) throw badInput('email is not a valid email address', field);
  return email;
}

/** Korean mobile and landline numbers, stored with hyphens (010-1234-5678, 02-123-4567). */
export function normalizePhone(value: string, field = 'phone'): string {
  let digits = value.replace(/[\s\-().]/g, '');
  if (digits.startsWith('+82')) digits = `0${digits.slice(3)}`;
  if (!/^0\d{8,10}$/.test(digits)) throw badInput('phone must be a Korean phone number such as 010-1234-5678', field);
  if (digits.startsWith('02')) {
    const rest = digits.slice(2);
    return `02-${rest.slice(0, rest.length - 4)}-${rest.slice(-4)}`;
  }
  const head = digits.slice(0, 3);
  const rest = digits.slice(3);
  return `${head}-${rest.slice(0, rest.length - 4)}-${rest.slice(-4)}`;
}

export function httpsUrl(value: string | null | undefined, field: string): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw badInput(`${field} must be an https URL`, field);
  }
  if (url.protocol !== 'https:' || value.length > 2048) throw badInput(`${field} must be an https URL of at most 2048 characters`, field);
  return url.toString();
}

export function stringList(values: string[], field: string, maxItems: number, maxLength: number): string[] {
  if (values.length > maxItems) throw badInput(`${field} may hold at most ${maxItems} items`, field);
  const cleaned = [...new Set(values.map((v) => v.trim()).filter(Boolean))];
  if (cleaned.some((v) => [...v].length > maxLength)) throw badInput(`each of ${field} must be at most ${maxLength} characters`, field);
  return cleaned;
}
