import { defineConfig, type Plugin } from 'vite';

// The platform serves dist/ itself (WEB_DIR) under a strict Content-Security-Policy, so the
// build must produce only same-origin files: no inline scripts or styles, nothing from a CDN.
const backend = process.env.BLAZEIOT_URL ?? 'http://127.0.0.1:3000';

// The built page also declares the policy itself, so it holds even behind a server or proxy
// that sends a looser header (a browser enforces both). Build only: the dev server injects
// styles inline. frame-ancestors cannot be set from a <meta>; the server's header sets it.
export const kContentSecurityPolicy = [
  "default-src 'self'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data:",
  "style-src 'self'",
  "script-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

function contentSecurityPolicy(): Plugin {
  return {
    name: 'blazeiot-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: kContentSecurityPolicy }, injectTo: 'head-prepend' },
    ],
  };
}

export default defineConfig({
  base: './',
  plugins: [contentSecurityPolicy()],
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
