import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';

// The client is two pages: the dashboard (index.html) and the worker (worker.html).
// The coordinator serves the built files from dist/client.
export default defineConfig({
  root: resolve(import.meta.dirname, 'client'),
  plugins: [react()],
  build: {
    outDir: resolve(import.meta.dirname, 'dist/client'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 4000,
    rollupOptions: {
      input: {
        dashboard: resolve(import.meta.dirname, 'client/index.html'),
        worker: resolve(import.meta.dirname, 'client/worker.html'),
      },
    },
  },
  server: {
    proxy: { '/socket.io': { target: 'http://localhost:3000', ws: true } },
  },
});
