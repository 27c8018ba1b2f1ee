// Copies the localnet's deployment (and its DEV-ONLY accounts) into public/config/, which Vite
// serves in dev and copies into dist/: the page reads config/deployment.json unless
// ?deployment=URL names another. TWINSHARE_DEPLOYMENT names another source file;
// TWINSHARE_WEB_DEV_ACCOUNTS=0 leaves the dev accounts out (a build for anything but a localnet).
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(web, '..');
const out = join(web, 'public', 'config');
mkdirSync(out, { recursive: true });

const deployment = process.env.TWINSHARE_DEPLOYMENT || join(repo, 'localnet', 'deployment.json');
if (existsSync(deployment)) {
  copyFileSync(deployment, join(out, 'deployment.json'));
  console.log(`config: ${deployment} -> public/config/deployment.json`);
} else {
  rmSync(join(out, 'deployment.json'), { force: true });
  console.warn(`config: no ${deployment} (run localnet/deploy.sh); the page then needs ?deployment=URL`);
}

const dev = join(repo, 'localnet', 'dev-accounts.json');
if (process.env.TWINSHARE_WEB_DEV_ACCOUNTS !== '0' && existsSync(dev)) {
  copyFileSync(dev, join(out, 'dev-accounts.json'));
  console.log('config: DEV-ONLY accounts -> public/config/dev-accounts.json');
} else {
  rmSync(join(out, 'dev-accounts.json'), { force: true });
}
