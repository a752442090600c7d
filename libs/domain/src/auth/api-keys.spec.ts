import { generateApiKey, parseApiKey, scopesOfRole, secretMatches } from './api-keys';

describe('API keys', () => {
  it('a generated key parses back to its id, and its secret matches the stored hash', () => {
    const { id, key, secretHash } = generateApiKey();
    const parsed = parseApiKey(key);
    expect(parsed?.id).toBe(id);
    expect(secretMatches(parsed!.secret, secretHash)).toBe(true);
    expect(secretHash).not.toContain(parsed!.secret);
  });

  it('two keys never share an id or a secret', () => {
    const keys = Array.from({ length: 200 }, () => generateApiKey());
    expect(new Set(keys.map((k) => k.id)).size).toBe(200);
    expect(new Set(keys.map((k) => k.secretHash)).size).toBe(200);
  });

  it('a secret with one character changed does not match', () => {
    const { key, secretHash } = generateApiKey();
    const { secret } = parseApiKey(key)!;
    const changed = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    expect(secretMatches(changed, secretHash)).toBe(false);
  });

  it.each(['', 'Bearer x', 'tsk_short_secret', `tsk_ABCDEFGHIJKL_${'a'.repeat(43)}`, `tsk_abcdefghijkl_${'a'.repeat(42)}`, `tsk_abcdefghijkl_${'a'.repeat(43)}x`])(
    '%j is not a key',
    (text) => expect(parseApiKey(text)).toBeNull(),
  );

  it('roles bound what a key can hold: operators cannot submit, artists cannot operate, system accounts hold nothing', () => {
    expect(scopesOfRole('operator')).toEqual(['read', 'operate']);
    expect(scopesOfRole('artist')).toEqual(['read', 'submit']);
    expect(scopesOfRole('admin')).toContain('admin');
    expect(scopesOfRole('system')).toEqual([]);
  });
});
