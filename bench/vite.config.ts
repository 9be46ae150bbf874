import { defineConfig } from 'vite';
import { resolve } from 'node:path';

// The backend benchmark page (bench.html, driven by bench/backends.ts), built on its own into
// dist/bench so that it never ships in the coordinator's client.
export default defineConfig({
  root: resolve(import.meta.dirname, 'page'),
  publicDir: false,
  build: {
    outDir: resolve(import.meta.dirname, '../dist/bench'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 4000,
    // As the client's: esbuild's minifier keeps tfjs-backend-wasm's threaded loader working.
    minify: 'esbuild',
    rollupOptions: { input: { bench: resolve(import.meta.dirname, 'page/bench.html') } },
  },
});
