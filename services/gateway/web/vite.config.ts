// The dashboard: plain TypeScript, built by `npm run build:web` into ../dist-web, which the
// gateway serves. In development, `npx vite services/gateway/web` proxies /api to a gateway on :3000.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: '../dist-web',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
