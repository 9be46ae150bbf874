/**
 * Registers every tfjs backend the client pages may use: webgl and cpu come with
 * @tensorflow/tfjs, webgpu and wasm are added here. The wasm binaries are emitted by Vite
 * (`?url`) under hashed names, so setWasmPaths maps each expected name to its URL.
 *
 * tfjs picks the threaded binary only on a cross-origin isolated page (COOP/COEP headers, so
 * SharedArrayBuffer exists); the coordinator sends no such headers, so tabs get the SIMD binary.
 * Under COOP/COEP the threaded binary hangs in the minified build: its pthread workers evaluate
 * the Emscripten factory's source text, which minification made refer to a bundle-scope variable
 * (see docs/perf/backends.md, `npm run bench:backends`).
 */
import '@tensorflow/tfjs';
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
