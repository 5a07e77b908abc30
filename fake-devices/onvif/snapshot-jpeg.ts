/**
 * The picture a fake camera's snapshot URI serves: a test pattern (a gradient that drifts with
 * each frame over colour bars) with the frame counter drawn in, encoded as a baseline JPEG.
 */
import jpeg from 'jpeg-js';

export interface SnapshotSize {
  readonly width: number;
  readonly height: number;
}

export const DEFAULT_SNAPSHOT_SIZE: SnapshotSize = { width: 320, height: 240 };

/** 3×5 pixel digits, one row per entry, most significant bit leftmost. */
const DIGIT_ROWS: Readonly<Record<string, readonly number[]>> = {
  '0': [0b111, 0b101, 0b101, 0b101, 0b111],
  '1': [0b010, 0b110, 0b010, 0b010, 0b111],
  '2': [0b111, 0b001, 0b111, 0b100, 0b111],
  '3': [0b111, 0b001, 0b111, 0b001, 0b111],
  '4': [0b101, 0b101, 0b111, 0b001, 0b001],
  '5': [0b111, 0b100, 0b111, 0b001, 0b111],
  '6': [0b111, 0b100, 0b111, 0b101, 0b111],
  '7': [0b111, 0b001, 0b010, 0b010, 0b010],
  '8': [0b111, 0b101, 0b111, 0b101, 0b111],
  '9': [0b111, 0b101, 0b111, 0b001, 0b111],
};

/** SMPTE-like bars: white, yellow, cyan, green, magenta, red, blue, black. */
const BARS: readonly (readonly [number, number, number])[] = [
  [235, 235, 235],
  [235, 235, 16],
  [16, 235, 235],
  [16, 235, 16],
  [235, 16, 235],
  [235, 16, 16],
  [16, 16, 235],
  [16, 16, 16],
];

const JPEG_QUALITY = 75;
const COUNTER_DIGITS = 6;

export function renderSnapshot(size: SnapshotSize, frame: number): Buffer {
  const { width, height } = size;
  const pixels = Buffer.alloc(width * height * 4);
  const put = (x: number, y: number, r: number, g: number, b: number): void => {
    const i = (y * width + x) * 4;
    pixels[i] = r;
    pixels[i + 1] = g;
    pixels[i + 2] = b;
    pixels[i + 3] = 255;
  };

  const barsTop = Math.floor((height * 3) / 4);
  const drift = (frame * 8) % 256;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (y < barsTop) {
        const r = (Math.floor((x * 255) / width) + drift) % 256;
        const g = Math.floor((y * 255) / height);
        put(x, y, r, g, 255 - r);
      } else {
        const [r, g, b] = BARS[Math.min(BARS.length - 1, Math.floor((x * BARS.length) / width))]!;
        put(x, y, r, g, b);
      }
    }
  }

  const text = String(frame % 10 ** COUNTER_DIGITS).padStart(COUNTER_DIGITS, '0');
  const scale = Math.max(1, Math.floor(Math.min(width / (text.length * 4 + 2), height / 8) / 2));
  const margin = scale;
  const boxWidth = Math.min(width, (text.length * 4 + 1) * scale + margin);
  const boxHeight = Math.min(height, 7 * scale);
  for (let y = 0; y < boxHeight; y++) for (let x = 0; x < boxWidth; x++) put(x, y, 0, 0, 0);
  [...text].forEach((digit, position) => {
    const rows = DIGIT_ROWS[digit]!;
    rows.forEach((bits, row) => {
      for (let column = 0; column < 3; column++) {
        if ((bits & (0b100 >> column)) === 0) continue;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const x = margin + (position * 4 + column) * scale + dx;
            const y = scale + row * scale + dy;
            if (x < width && y < height) put(x, y, 255, 255, 255);
          }
        }
      }
    });
  });

  return jpeg.encode({ width, height, data: pixels }, JPEG_QUALITY).data;
}
