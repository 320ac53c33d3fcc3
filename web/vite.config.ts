import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// Plain URL → path (no node:url), so this file typechecks with the browser tsconfig.
const here = (rel: string): string => decodeURIComponent(new URL(rel, import.meta.url).pathname);
const webRoot = here('.');

/**
 * Builds the browser client into web/dist, which the server serves at `/`.
 * `npm run build:web` runs this (also on install). In development, `vite --config web/vite.config.ts`
 * serves the page on :5173 and proxies the API (including the SSE stream) to a server on :8080.
 */
export default defineConfig({
  root: webRoot,
  base: '/',
  plugins: [preact()],
  build: {
    outDir: here('./dist'),
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    proxy: { '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
