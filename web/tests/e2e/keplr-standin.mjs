// A stand-in for the Keplr extension, which cannot be installed here: an object at window.keplr
// (installed with page.addInitScript before the page loads) implementing exactly the Keplr
// methods the page calls (experimentalSuggestChain, enable, getOfflineSigner -> getAccounts,
// signDirect), each forwarded to Node, where a CosmJS DirectSecp256k1HdWallet holds the key and
// signs. It records the calls so the test can check what the page asked Keplr for.
import { fromBase64, toBase64 } from '@cosmjs/encoding';
import { wallet } from './lib.mjs';

export async function installKeplrStandIn(context, mnemonic) {
  const w = await wallet(mnemonic);
  const calls = { suggested: [], enabled: [], signed: 0 };
  await context.exposeFunction('__keplrSuggestChain', (json) => {
    calls.suggested.push(JSON.parse(json));
  });
  await context.exposeFunction('__keplrEnable', (chainId) => {
    if (!calls.suggested.some((c) => c.chainId === chainId)) throw new Error(`There is no chain info for ${chainId}`);
    calls.enabled.push(chainId);
  });
  await context.exposeFunction('__keplrAccounts', async () =>
    JSON.stringify((await w.getAccounts()).map((a) => ({ address: a.address, algo: a.algo, pubkey: toBase64(a.pubkey) }))),
  );
  await context.exposeFunction('__keplrSignDirect', async (json) => {
    const r = JSON.parse(json);
    const out = await w.signDirect(r.address, {
      bodyBytes: fromBase64(r.bodyBytes),
      authInfoBytes: fromBase64(r.authInfoBytes),
      chainId: r.chainId,
      accountNumber: BigInt(r.accountNumber),
    });
    calls.signed++;
    return JSON.stringify({
      signed: {
        bodyBytes: toBase64(out.signed.bodyBytes),
        authInfoBytes: toBase64(out.signed.authInfoBytes),
        chainId: out.signed.chainId,
        accountNumber: out.signed.accountNumber.toString(),
      },
      signature: out.signature,
    });
  });
  await context.addInitScript(() => {
    const b64 = (u) => btoa(String.fromCharCode(...u));
    const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
    // Stands in for the Keplr extension (see keplr-standin.mjs).
    window.keplr = {
      experimentalSuggestChain: async (info) => window.__keplrSuggestChain(JSON.stringify(info)),
      enable: async (chainId) => window.__keplrEnable(chainId),
      getOfflineSigner: (chainId) => ({
        getAccounts: async () =>
          JSON.parse(await window.__keplrAccounts()).map((a) => ({ address: a.address, algo: a.algo, pubkey: unb64(a.pubkey) })),
        signDirect: async (address, doc) => {
          if (doc.chainId !== chainId) throw new Error(`sign request for ${doc.chainId}, enabled ${chainId}`);
          const r = JSON.parse(
            await window.__keplrSignDirect(
              JSON.stringify({
                address,
                bodyBytes: b64(doc.bodyBytes),
                authInfoBytes: b64(doc.authInfoBytes),
                chainId: doc.chainId,
                accountNumber: doc.accountNumber.toString(),
              }),
            ),
          );
          return {
            signed: {
              bodyBytes: unb64(r.signed.bodyBytes),
              authInfoBytes: unb64(r.signed.authInfoBytes),
              chainId: r.signed.chainId,
              accountNumber: BigInt(r.signed.accountNumber),
            },
            signature: r.signature,
          };
        },
      }),
    };
  });
  return calls;
}
