// Generates the typed contract clients in src/contracts/ from every contract folder in ../schema/
// (cosmwasm-schema output) with @cosmwasm/ts-codegen 0.35.7, the last line that emits CosmJS
// clients (1.x emits interchainjs ones). `--check` generates into a temp dir and fails when the
// checked-in files differ: CI runs it, as scripts/schema.sh --check does for the schemas.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import codegenModule from '@cosmwasm/ts-codegen';

const codegen = codegenModule.default ?? codegenModule;
const web = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const schemaRoot = resolve(web, '..', 'schema');
const target = join(web, 'src', 'contracts');
const check = process.argv.includes('--check');

/** `data-registry` -> `DataRegistry`: the prefix of the generated names. */
const pascal = (folder) =>
  folder
    .split(/[-_]/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');

const contracts = readdirSync(schemaRoot)
  .filter((d) => statSync(join(schemaRoot, d)).isDirectory())
  .filter((d) => readdirSync(join(schemaRoot, d)).some((f) => f.endsWith('.json')))
  .sort()
  .map((d) => ({ name: pascal(d), dir: join(schemaRoot, d) }));
if (contracts.length === 0) {
  console.error(`codegen: no contract schemas under ${schemaRoot} (run scripts/schema.sh)`);
  process.exit(1);
}

async function generate(outPath) {
  // ts-codegen logs each file it writes; keep the output to our own summary.
  const log = console.log;
  console.log = () => {};
  try {
    await codegen({
      contracts,
      outPath,
      options: {
        bundle: { enabled: false },
        types: { enabled: true },
        client: { enabled: true },
        messageComposer: { enabled: false },
        reactQuery: { enabled: false },
        recoil: { enabled: false },
      },
    });
  } finally {
    console.log = log;
  }
}

const listing = (dir) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.ts')).sort() : []);

if (!check) {
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  await generate(target);
  console.log(`codegen: ${listing(target).length} files for ${contracts.map((c) => c.name).join(', ')} in src/contracts/`);
  process.exit(0);
}

const tmp = mkdtempSync(join(tmpdir(), 'twinshare-codegen-'));
try {
  await generate(tmp);
  const fresh = listing(tmp);
  const have = listing(target);
  const stale = [];
  for (const f of new Set([...fresh, ...have])) {
    if (!fresh.includes(f)) stale.push(`${f}: no longer generated`);
    else if (!have.includes(f)) stale.push(`${f}: missing`);
    else if (readFileSync(join(tmp, f), 'utf8') !== readFileSync(join(target, f), 'utf8')) stale.push(`${f}: differs`);
  }
  if (stale.length) {
    console.error(`codegen:check: src/contracts/ is stale against schema/ (run \`npm run codegen\`):\n  ${stale.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`codegen:check: src/contracts/ matches schema/ (${fresh.length} files, ${contracts.length} contracts)`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
