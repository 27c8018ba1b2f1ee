// The crypto crate compiled to wasm (packages/crypto-wasm, built by scripts/build-web-wasm.sh into
// src/wasm/): loaded once, on first use, so the market shows before the wasm has arrived.
// The interface is fixed in docs/web-crypto-api.md; these types mirror it.

export interface WasmIdentity {
  verifyingKeyHex(): string;
  receivingPublicKeyHex(): string;
  grant(assetId: string, buyerPubkeyHex: string, relayerPubkeyHex: string, manifestJson: string): Uint8Array;
  free(): void;
}

export interface WasmDownload {
  fragmentCount(): number;
  fragmentLocator(i: number): string;
  fragmentSize(i: number): number;
  decryptFragment(i: number, sealed: Uint8Array): Uint8Array;
  finish(): string;
  free(): void;
}

export interface WasmModule {
  Identity: { fromMnemonic(mnemonic: string): WasmIdentity };
  Download: new (
    identity: WasmIdentity,
    manifestJson: string,
    registeredRootHex: string,
    cfragBytes: Uint8Array,
    delegatingKeyHex?: string,
  ) => WasmDownload;
  testVectorRoot(vectorsJson: string): string;
  sha256Hex(bytes: Uint8Array): string;
}

let loaded: Promise<WasmModule> | undefined;

export function wasm(): Promise<WasmModule> {
  loaded ??= (async () => {
    const m = await import('./wasm/twinshare_crypto_wasm.js');
    await m.default();
    return m as unknown as WasmModule;
  })();
  return loaded;
}
