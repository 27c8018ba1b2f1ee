// The keystore: the mnemonic comes back only with the right password; a wrong one is refused with
// a "wrong password" error and nothing decrypted; the ciphertext is bound to the address.
import { describe, expect, it } from 'vitest';
import { decryptMnemonic, encryptMnemonic, Keystore, KEYSTORE_KEY, PBKDF2_ITERATIONS, type KeyValueStore } from '../../src/keystore';
import { UserError } from '../../src/errors';

const WORDS = 'busy lyrics swamp draw slight nominee cabin blind salad little trial velvet pluck room music runway dress fitness deer remain fortune name slush indicate';
const ADDR = 'wasm13x6juumgpt0e4nc9qc75ye2a2gq8v2sw73pm6h';
const FAST = 210_000; // The floor the page accepts; the page itself uses PBKDF2_ITERATIONS.

class MapStore implements KeyValueStore {
  m = new Map<string, string>();
  getItem = (k: string) => this.m.get(k) ?? null;
  setItem = (k: string, v: string) => void this.m.set(k, v);
  removeItem = (k: string) => void this.m.delete(k);
}

describe('keystore', () => {
  it('uses PBKDF2-SHA256 with at least 210,000 iterations and AES-GCM', async () => {
    expect(PBKDF2_ITERATIONS).toBeGreaterThanOrEqual(210_000);
    const f = await encryptMnemonic(WORDS, ADDR, 'correct horse', FAST);
    expect(f.kdf).toMatchObject({ name: 'PBKDF2', hash: 'SHA-256', iterations: FAST });
    expect(f.cipher.name).toBe('AES-GCM');
    expect(JSON.stringify(f)).not.toContain('busy');
  });

  it('round-trips with the right password', async () => {
    const f = await encryptMnemonic(WORDS, ADDR, 'correct horse', FAST);
    expect(await decryptMnemonic(f, 'correct horse')).toBe(WORDS);
  });

  it('refuses a wrong password: a UserError, nothing decrypted', async () => {
    const f = await encryptMnemonic(WORDS, ADDR, 'correct horse', FAST);
    let got: string | undefined;
    let err: unknown;
    try {
      got = await decryptMnemonic(f, 'correct horsE');
    } catch (e) {
      err = e;
    }
    expect(got).toBeUndefined();
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^Wrong password/);
  });

  it('binds the ciphertext to the address (a swapped address fails)', async () => {
    const f = await encryptMnemonic(WORDS, ADDR, 'correct horse', FAST);
    await expect(decryptMnemonic({ ...f, address: 'wasm1other' }, 'correct horse')).rejects.toThrow(/Wrong password/);
  });

  it('refuses a weak key derivation and a short password', async () => {
    const f = await encryptMnemonic(WORDS, ADDR, 'correct horse', FAST);
    await expect(decryptMnemonic({ ...f, kdf: { ...f.kdf, iterations: 1000 } }, 'correct horse')).rejects.toThrow(/weak key derivation/);
    await expect(encryptMnemonic(WORDS, ADDR, 'short')).rejects.toThrow(/at least 8/);
  });

  it('stores only the encrypted form and unlocks from storage', async () => {
    const store = new MapStore();
    const ks = new Keystore(store);
    await expect(ks.unlock('x')).rejects.toThrow(/No keystore/);
    await ks.save(WORDS, ADDR, 'correct horse');
    const raw = store.getItem(KEYSTORE_KEY) ?? '';
    expect(raw).not.toContain('lyrics');
    expect(JSON.parse(raw).kdf.iterations).toBe(PBKDF2_ITERATIONS);
    await expect(ks.unlock('wrong password')).rejects.toThrow(/Wrong password/);
    expect(await ks.unlock('correct horse')).toBe(WORDS);
    ks.forget();
    expect(ks.load()).toBeNull();
  });
});
