// The built-in signer's keystore: the BIP39 mnemonic encrypted under a password with WebCrypto
// (PBKDF2-SHA256, 600,000 iterations as OWASP advises for it, then AES-256-GCM with the address
// as associated data), kept in localStorage. A wrong password fails the GCM tag check, so
// nothing is decrypted; the page says "wrong password" and signs nothing.
import { UserError } from './errors';

export const KEYSTORE_KEY = 'twinshare.keystore.v1';
export const PBKDF2_ITERATIONS = 600_000;

export interface KeystoreFile {
  version: 1;
  address: string;
  kdf: { name: 'PBKDF2'; hash: 'SHA-256'; iterations: number; salt: string };
  cipher: { name: 'AES-GCM'; iv: string };
  ciphertext: string;
  created_at: string;
}

/** The part of `Storage` the keystore uses (localStorage in the page, a map in tests). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

async function deriveKey(password: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, [
    'deriveKey',
  ]);
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

export async function encryptMnemonic(
  mnemonic: string,
  address: string,
  password: string,
  iterations = PBKDF2_ITERATIONS,
): Promise<KeystoreFile> {
  if (password.length < 8) throw new UserError('Choose a password of at least 8 characters.');
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await deriveKey(password, salt, iterations);
  const ct = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(address) },
    key,
    new TextEncoder().encode(mnemonic.trim()),
  );
  return {
    version: 1,
    address,
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations, salt: b64(salt) },
    cipher: { name: 'AES-GCM', iv: b64(iv) },
    ciphertext: b64(new Uint8Array(ct)),
    created_at: new Date().toISOString(),
  };
}

export async function decryptMnemonic(file: KeystoreFile, password: string): Promise<string> {
  if (file.version !== 1 || file.kdf.iterations < 210_000) {
    throw new UserError('This keystore has an unknown format or a weak key derivation; import the mnemonic again.');
  }
  const key = await deriveKey(password, unb64(file.kdf.salt), file.kdf.iterations);
  try {
    const pt = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: unb64(file.cipher.iv), additionalData: new TextEncoder().encode(file.address) },
      key,
      unb64(file.ciphertext),
    );
    return new TextDecoder().decode(pt);
  } catch {
    throw new UserError('Wrong password: the keystore could not be decrypted. Nothing was signed; try again.');
  }
}

export class Keystore {
  constructor(private readonly store: KeyValueStore) {}

  load(): KeystoreFile | null {
    const raw = this.store.getItem(KEYSTORE_KEY);
    if (!raw) return null;
    try {
      return JSON.parse(raw) as KeystoreFile;
    } catch {
      return null;
    }
  }

  async save(mnemonic: string, address: string, password: string): Promise<KeystoreFile> {
    const file = await encryptMnemonic(mnemonic, address, password);
    this.store.setItem(KEYSTORE_KEY, JSON.stringify(file));
    return file;
  }

  async unlock(password: string): Promise<string> {
    const file = this.load();
    if (!file) throw new UserError('No keystore in this browser yet: import a mnemonic first.');
    return decryptMnemonic(file, password);
  }

  forget(): void {
    this.store.removeItem(KEYSTORE_KEY);
  }
}
