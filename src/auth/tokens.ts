import { createHash, randomBytes, randomUUID, webcrypto } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { Role } from './roles';

export interface AccessClaims {
  userId: string;
  sessionId: string;
  role: Role;
}

const ISSUER = 'aimex';
const AUDIENCE = 'aimex-api';
/** jose checks exp and iat only when present: without this, a token with no expiry would be good forever. */
const REQUIRED_CLAIMS = ['exp', 'iat', 'iss', 'aud', 'sub', 'sid'];

export class TokenService {
  // Imported once: given raw bytes, jose would re-import the key on every sign and verify.
  private readonly secret: Promise<webcrypto.CryptoKey>;

  constructor(jwtSecret: string, private readonly accessTtlSeconds: number) {
    this.secret = importHmacKey(jwtSecret);
  }

  async issueAccessToken(claims: AccessClaims, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
    const issuedAt = Math.floor(now.getTime() / 1000);
    const expiresAt = new Date((issuedAt + this.accessTtlSeconds) * 1000);
    const token = await new SignJWT({ sid: claims.sessionId, role: claims.role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(issuedAt)
      .setJti(randomUUID())
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(await this.secret);
    return { token, expiresAt };
  }

  /** Null for anything not a valid, unexpired token of ours. */
  async verifyAccessToken(token: string): Promise<AccessClaims | null> {
    try {
      const { payload } = await jwtVerify(token, await this.secret, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], requiredClaims: REQUIRED_CLAIMS });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.role !== 'string') return null;
      return { userId: payload.sub, sessionId: payload.sid, role: payload.role as Role };
    } catch {
      return null;
    }
  }
}

export const importHmacKey = (secret: string): Promise<webcrypto.CryptoKey> =>
  webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);

/** Opaque secrets (refresh tokens, API keys): random, and stored only as SHA-256. */
export const newOpaqueToken = (prefix = ''): string => prefix + randomBytes(32).toString('base64url');
export const sha256 = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');
