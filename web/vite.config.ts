import { defineConfig } from 'vite';

// The platform serves dist/ itself (WEB_DIR) under a strict Content-Security-Policy, so the
// build must produce only same-origin files: no inline scripts or styles, nothing from a CDN.
const backend = process.env.BLAZEIOT_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    // The preload polyfill would be injected as an inline script; every target browser has
    // native modulepreload anyway.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 200,
  },
  server: {
    proxy: {
      '/api': backend,
      '/health': backend,
      '/firmware': backend,
      '/ws': { target: backend.replace(/^http/, 'ws'), ws: true },
    },
  },
});
