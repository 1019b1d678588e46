import { Algorithm, hash, verify } from '@node-rs/argon2';
import { badInput } from '../errors';

const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };

/** SPEC 3: at least 10 characters of 2 classes (letters, digits, symbols), or 8 of 3. */
export function checkPasswordPolicy(password: string, field = 'password'): void {
  const classes = [/\p{L}/u, /\p{N}/u, /[^\p{L}\p{N}\s]/u].filter((re) => re.test(password)).length;
  const length = [...password].length;
  if (length > 256) throw badInput('Password must be at most 256 characters', field);
  if (!((length >= 10 && classes >= 2) || (length >= 8 && classes >= 3))) {
    throw badInput('Password must have at least 10 characters of 2 kinds (letters, digits, symbols), or 8 of all 3', field);
  }
}

export const hashPassword = (password: string): Promise<string> => hash(password, OPTIONS);

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  // Unknown accounts still cost one hash, so timing does not reveal which emails exist.
  if (!passwordHash) {
    await verify(DUMMY_HASH, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}

const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$18q0iffb7CF+dZbQh8f1yw$mdPsL+O7rNc4XMgZ7JNkcyDHr025jMfW8noogfp+BO0';
