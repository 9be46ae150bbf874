/**
 * Registers every tfjs backend the client pages may use: webgl and cpu come with
 * @tensorflow/tfjs, webgpu and wasm are added here. The wasm binaries are emitted by Vite
 * (`?url`) under hashed names, so setWasmPaths maps each expected name to its URL. The threaded
 * binary is used only when the page is cross-origin isolated (SharedArrayBuffer available);
 * tfjs-backend-wasm inlines its pthread worker script as a Blob, so no extra file is needed.
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
