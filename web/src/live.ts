// Live updates: a CometBFT websocket subscription to new block headers (CosmJS Comet38Client) as
// the clock, and a re-query of the contract state on each block (at most one query in flight).
// Why not subscribe to the escrow's tx events themselves: a missed event (reconnect, tab asleep)
// would leave the timeline wrong until reload, while state queried on every block is always the
// chain's, with nothing to reconcile; the header stream only says when to look. When the websocket
// cannot be opened, the page polls once a second instead.
import { Comet38Client, WebsocketClient } from '@cosmjs/tendermint-rpc';

export type Stop = () => void;

export function everyBlock(rpc: string, onBlock: (height?: number) => Promise<void> | void): Stop {
  let stopped = false;
  let busy = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  let client: Comet38Client | undefined;
  let unsubscribe: (() => void) | undefined;

  const tick = async (height?: number) => {
    if (stopped || busy) return;
    busy = true;
    try {
      await onBlock(height);
    } finally {
      busy = false;
    }
  };
  const poll = () => {
    if (!stopped && !timer) timer = setInterval(() => void tick(), 1000);
  };

  void tick(); // Now, then on every block.
  try {
    const ws = new WebsocketClient(rpc.replace(/^http/, 'ws').replace(/\/+$/, ''), () => poll());
    client = Comet38Client.create(ws);
    const sub = client.subscribeNewBlockHeader().subscribe({
      next: (h) => void tick(h.height),
      error: () => poll(),
      complete: () => poll(),
    });
    unsubscribe = () => sub.unsubscribe();
  } catch {
    poll();
  }
  return () => {
    stopped = true;
    if (timer) clearInterval(timer);
    try {
      unsubscribe?.();
      client?.disconnect();
    } catch {
      // Already closed.
    }
  };
}
