/** Types for the part of gifenc (which ships none) that cli/render.ts uses. */
declare module 'gifenc' {
  /** Colours as [r, g, b] (or [r, g, b, a] with an alpha format). */
  export type Palette = number[][];
  export type PixelFormat = 'rgb565' | 'rgb444' | 'rgba4444';
  /** A palette of at most `maxColors` colours for RGBA pixels. */
  export function quantize(rgba: Uint8Array | Uint8ClampedArray, maxColors: number, options?: { format?: PixelFormat }): Palette;
  /** Each pixel's index of its nearest palette colour. */
  export function applyPalette(rgba: Uint8Array | Uint8ClampedArray, palette: Palette, format?: PixelFormat): Uint8Array;
  export interface FrameOptions {
    palette?: Palette;
    /** Frame delay in ms (stored in hundredths of a second). */
    delay?: number;
    /** 0: loop forever, -1: play once, n: repeat n times (read from the first frame). */
    repeat?: number;
    transparent?: boolean;
    transparentIndex?: number;
    dispose?: number;
  }
  export interface GIFStream {
    writeFrame(index: Uint8Array, width: number, height: number, opts?: FrameOptions): void;
    /** Writes the trailer. */
    finish(): void;
    /** A copy of the bytes written so far. */
    bytes(): Uint8Array;
  }
  export function GIFEncoder(opts?: { auto?: boolean; initialCapacity?: number }): GIFStream;
}
