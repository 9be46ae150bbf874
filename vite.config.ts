import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';

/**
 * `virtual:tabswarm-env-modules` imports the user's env files (TABSWARM_ENV_MODULES, comma-separated
 * absolute paths; set by `--env-module`), so their registerEnv calls run in the worker page too.
 */
function envModules(): Plugin {
  const files = (process.env.TABSWARM_ENV_MODULES ?? '').split(',').filter(Boolean);
  const id = 'virtual:tabswarm-env-modules';
  return {
    name: 'tabswarm-env-modules',
    resolveId: (source) => (source === id ? `\0${id}` : undefined),
    load: (source) => (source === `\0${id}` ? files.map((f) => `import ${JSON.stringify(f)};`).join('\n') || 'export {};' : undefined),
  };
}

// The client is two pages: the dashboard (index.html) and the worker (worker.html).
// The coordinator serves the built files from dist/client. (The benchmark page has its own
// config, bench/vite.config.ts.)
export default defineConfig({
  root: resolve(import.meta.dirname, 'client'),
  plugins: [react(), envModules()],
  build: {
    outDir: resolve(import.meta.dirname, 'dist/client'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 4000,
    // esbuild's minifier keeps tfjs-backend-wasm's threaded loader working: that loader re-runs one
    // of its functions from source text in each pthread worker, and the default minifier drops a
    // `typeof` guard that function needs there (every worker then throws, and wasm never loads).
    minify: 'esbuild',
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
