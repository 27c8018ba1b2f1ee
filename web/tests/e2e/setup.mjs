// What the owner does with the `twinshare` CLI before the page is opened (as scripts/demo.sh and
// tests/ do): party key, a channel with the buyers, a storage lease, upload + register, tokenize.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { log, sha256 } from './lib.mjs';

/** Lists `bytes` of random data as an asset at `price` µTWIN; returns ids, root and the file's SHA-256. */
export function listAsset(cli, { owner = 'owner', members, bytes, price, channel, kind = 'vibration', equipment = 'welding-robot-A', fragmentSize }) {
  cli.json(['--from', owner, 'party', 'register', '--name', 'web e2e owner']);
  cli.json(['--from', owner, 'channel', 'create', channel, ...members]);
  const leaseBytes = Math.max(64 * 1024, Math.ceil(bytes * 1.05) + 64 * 1024);
  cli.json(['--from', owner, 'lease', 'buy', '--bytes', String(leaseBytes), '--duration', '30m']);
  const file = cli.path(`data-${bytes}.bin`);
  const data = randomBytes(bytes);
  writeFileSync(file, data);
  const t0 = Date.now();
  const up = cli.json(['--from', owner, 'upload', file, '--channel', channel, '--level', 'low', ...(fragmentSize ? ['--fragment-size', String(fragmentSize)] : [])]);
  log(`owner uploaded ${bytes} bytes in ${Date.now() - t0} ms: record ${up.record_id}`);
  const t = cli.json(['--from', owner, 'tokenize', String(up.record_id), '--price', String(price), '--kind', kind, '--equipment', equipment]);
  return { file, sha256: sha256(data), recordId: up.record_id, assetId: t.asset_id, root: up.root, up };
}
