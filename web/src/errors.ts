// Errors in words a person can act on. Checks the page makes itself throw `UserError` with the
// final text; errors from the chain, the signer or the network are translated by `describeError`.

export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** Known raw messages (from the SDK, cw20-base, CosmJS, fetch) and what to tell the user. */
const KNOWN: [RegExp, string][] = [
  [/Cannot Sub|Overflow: Cannot Sub/i, 'Insufficient funds: your token balance does not cover this payment. Get more TWIN first.'],
  [/insufficient funds|insufficient fee/i, 'Insufficient funds for the fee: this account needs more ustake to pay for gas.'],
  [/account .* not found|does not exist on chain/i, 'This account has never received tokens, so the chain does not know it yet. Fund it (ustake for fees) first.'],
  [/account sequence mismatch/i, 'Another transaction from this account was in flight. Try again.'],
  [/Request rejected|rejected by the user/i, 'You rejected the request in your wallet; nothing was sent.'],
  [/Failed to fetch|NetworkError|Load failed/i, 'The network request failed: is the chain (or the storage endpoint) running and reachable from this page?'],
];

/** Strips the SDK's wrapping ("failed to execute message; message index: 0: ...: execute wasm contract failed"). */
function contractReason(message: string): string | undefined {
  const m = message.match(/message index: \d+: (.*?): execute wasm contract failed/s);
  return m ? m[1] : undefined;
}

export function describeError(e: unknown): string {
  if (e instanceof UserError) return e.message;
  const message = e instanceof Error ? e.message : String(e);
  for (const [pattern, text] of KNOWN) if (pattern.test(message)) return text;
  const reason = contractReason(message);
  if (reason) return `The contract refused: ${reason}`;
  return message;
}
