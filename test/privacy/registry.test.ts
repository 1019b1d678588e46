import 'reflect-metadata';
import type { EntityMetadata, MikroORM } from '@mikro-orm/core';
import { loadConfig } from '../../src/config';
import { ENTITIES } from '../../src/db/entities';
import { openOrm } from '../../src/db/orm';
import { DataCategory } from '../../src/modules/policies/policy.entity';
import { PERSONAL_DATA_REGISTRY, personalProperty } from '../../src/privacy/registry';

// SPEC 8a: every property of every entity is declared once, personal (with its
// category) or not personal, so a new column cannot slip past export and erasure.

let orm: MikroORM;
let metas: EntityMetadata[];

beforeAll(async () => {
  orm = await openOrm(loadConfig());
  metas = Object.values(orm.getMetadata().getAll()).filter((meta) => !meta.embeddable && !meta.pivotTable && !meta.virtual);
});
afterAll(async () => { await orm.close(true); });

const propertiesOf = (meta: EntityMetadata) => Object.keys(meta.properties);

describe('the personal-data registry', () => {
  it('given the ORM metadata, then it discovered every entity the app lists (the walk below covers them all)', () => {
    expect(metas.map((m) => m.className).sort()).toEqual(ENTITIES.map((e) => e.name).sort());
    expect(metas.length).toBeGreaterThanOrEqual(16);
  });

  it('given every entity, then each one is registered', () => {
    const unregistered = metas.map((m) => m.className).filter((name) => !PERSONAL_DATA_REGISTRY[name]);
    expect(unregistered).toEqual([]);
  });

  it('given every entity property, then it is in exactly one of personal / notPersonal', () => {
    const problems: string[] = [];
    for (const meta of metas) {
      const entry = PERSONAL_DATA_REGISTRY[meta.className];
      if (!entry) continue;
      for (const property of propertiesOf(meta)) {
        const personal = Object.prototype.hasOwnProperty.call(entry.personal, property);
        const notPersonal = entry.notPersonal.includes(property);
        if (!personal && !notPersonal) problems.push(`${meta.className}.${property} is in neither list`);
        if (personal && notPersonal) problems.push(`${meta.className}.${property} is in both lists`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('given every registry entry, then it names an existing entity and properties that exist, each once', () => {
    const byName = new Map(metas.map((m) => [m.className, m]));
    const problems: string[] = [];
    for (const [entity, entry] of Object.entries(PERSONAL_DATA_REGISTRY)) {
      const meta = byName.get(entity);
      if (!meta) {
        problems.push(`${entity} is not an entity`);
        continue;
      }
      const known = new Set(propertiesOf(meta));
      for (const property of [...Object.keys(entry.personal), ...entry.notPersonal]) {
        if (!known.has(property)) problems.push(`${entity}.${property} does not exist`);
      }
      const duplicates = entry.notPersonal.filter((p, i) => entry.notPersonal.indexOf(p) !== i);
      for (const d of duplicates) problems.push(`${entity}.${d} is listed twice`);
      if (entry.subject !== null && !known.has(entry.subject)) problems.push(`${entity}.subject names missing ${entry.subject}`);
    }
    expect(problems).toEqual([]);
  });

  it('given every personal property, then it has a known DataCategory and an item description', () => {
    const categories = new Set<string>(Object.values(DataCategory));
    const problems: string[] = [];
    for (const [entity, entry] of Object.entries(PERSONAL_DATA_REGISTRY)) {
      for (const [property, p] of Object.entries(entry.personal)) {
        if (!categories.has(p.category)) problems.push(`${entity}.${property}: category ${p.category}`);
        if (!p.item?.trim()) problems.push(`${entity}.${property}: no item`);
        if (p.mask && !p.encrypted) problems.push(`${entity}.${property}: masked but not encrypted`);
      }
      // An entity with personal data says whose it is.
      if (Object.keys(entry.personal).length > 0 && entry.subject === null && !entry.thirdParty) problems.push(`${entity}: personal data without a subject (or a thirdParty reason)`);
    }
    expect(problems).toEqual([]);
  });

  it('given every property marked encrypted, then its column is a blob (bytea), and every *Enc blob is marked encrypted', () => {
    const byName = new Map(metas.map((m) => [m.className, m]));
    const problems: string[] = [];
    let encryptedCount = 0;
    for (const [entity, entry] of Object.entries(PERSONAL_DATA_REGISTRY)) {
      const meta = byName.get(entity)!;
      for (const [property, p] of Object.entries(entry.personal)) {
        if (!p.encrypted) continue;
        encryptedCount += 1;
        const prop = meta.properties[property as never] as { columnTypes?: string[]; type?: string } | undefined;
        if (prop?.columnTypes?.[0] !== 'bytea') problems.push(`${entity}.${property} is ${prop?.columnTypes?.[0]}, not bytea`);
      }
      for (const property of propertiesOf(meta)) {
        if (property.endsWith('Enc') && !entry.personal[property]?.encrypted) problems.push(`${entity}.${property} looks encrypted but is not registered so`);
      }
    }
    expect(problems).toEqual([]);
    // The user's profile (7), chat message text (1), the health profile (5), check-in value and note (2), review text (1),
    // a dataset's preview (1), a data-subject request's details and requested corrections (2).
    expect(encryptedCount).toBe(20);
  });

  it('given the user profile, then name, email and phone are encrypted, masked MEMBER_PROFILE data, not sensitive', () => {
    for (const [property, mask] of [['nameEnc', 'name'], ['emailEnc', 'email'], ['phoneEnc', 'phone']] as const) {
      expect(personalProperty('User', property)).toMatchObject({ category: DataCategory.MEMBER_PROFILE, encrypted: true, mask });
      expect(personalProperty('User', property).sensitive).toBeFalsy();
    }
    expect(personalProperty('User', 'emailIndex').encrypted).toBeFalsy();
    expect(() => personalProperty('User', 'role')).toThrow('User.role is not registered as personal data');
    expect(() => personalProperty('Nope', 'x')).toThrow('Nope.x is not registered as personal data');
  });
});
