/**
 * Vite builds the two entries of the demo into dist/: `index.html` (BFF mode, the recommended
 * one) and `pkce.html` (the in-memory PKCE mode, served by the SPA server at `/pkce` and at the
 * public client's redirect URI `/callback`). No inline scripts or styles are emitted, so the SPA
 * server's CSP can say `script-src 'self'`.
 */
import react from '@vitejs/plugin-react'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))

export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rolldownOptions: {
      input: { index: `${root}index.html`, pkce: `${root}pkce.html` },
    },
  },
  server: {
    port: 5173,
    // `vite dev` alone has no BFF: run `npm start` (build + SPA server) instead, or proxy to it.
    proxy: { '/auth': 'http://localhost:5174', '/api': 'http://localhost:5174', '/app-config.json': 'http://localhost:5174' },
  },
})
