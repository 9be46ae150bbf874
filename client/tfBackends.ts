/**
 * Registers every tfjs backend the client pages may use: cpu, webgl, webgpu and wasm. Each
 * backend package registers itself when imported, so this module is imported for its side effects
 * by every page that picks a backend. Product code uses @tensorflow/tfjs-core rather than the full
 * @tensorflow/tfjs, which would also bundle layers, converter and data (docs/perf/bundle.md). The
 * wasm binaries are emitted by Vite (`?url`) under hashed names, so setWasmPaths maps each
 * expected name to its URL.
 *
 * tfjs picks the threaded binary only on a cross-origin isolated page (COOP/COEP headers, so
 * SharedArrayBuffer exists). The coordinator sends those headers only when started with
 * `--isolate`; without it tabs are not cross-origin isolated and load the non-threaded SIMD binary.
 * The threaded binary works in the minified build because it is minified with esbuild (see
 * vite.config.ts and docs/perf/backends.md, `npm run bench:backends`).
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});
