import { defineConfig } from 'vitest/config';

// Relative asset paths, so dist/ can be served from any folder; ES2022 for top-level await and
// the BigInt literals CosmJS uses. Vitest runs the unit tests in Node (tests/unit).
export default defineConfig({
  base: './',
  build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 5173 },
  test: { include: ['tests/unit/**/*.test.ts'], testTimeout: 60_000 },
});
