// Bytes → text. Policy (DESIGN §4): UTF-8 with or without BOM; UTF-16LE/BE with BOM; Windows-1252
// when the bytes are not valid UTF-8 (what Excel's "CSV (Comma delimited)" writes on Western Windows).
import { createRequire } from "node:module";
import type { CsvTable } from "../types.ts";

// iconv-lite is loaded the first time a file needs it (UTF-16, Windows-1252): nearly every upload is
// UTF-8, and with its code tables it was a third of what every command compiled at start-up (540 KB of
// 2.7 MB). Not Node's TextDecoder: on Node 20 its "windows-1252" is Latin-1 (0x80 is not €).
const load = createRequire(import.meta.url);
let iconvLite: typeof import("iconv-lite") | undefined;
const iconv = () => {
  iconvLite ??= load("iconv-lite") as typeof import("iconv-lite");
  return iconvLite;
};

export type Encoding = CsvTable["encoding"];

export interface Decoded {
  /** The text without its byte order mark. */
  text: string;
  encoding: Encoding;
  /** Bytes of the byte order mark skipped before the text (0 without one). */
  bom: number;
}

// fatal: true turns the first invalid sequence into an exception, which is our "not UTF-8" signal.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function decode(bytes: Uint8Array): Decoded {
  const b0 = bytes[0];
  const b1 = bytes[1];
  if (b0 === 0xef && b1 === 0xbb && bytes[2] === 0xbf) {
    return { text: decodeUtf8(bytes.subarray(3)), encoding: "utf-8", bom: 3 };
  }
  if (b0 === 0xff && b1 === 0xfe) {
    return { text: utf16(bytes.subarray(2), "utf-16le"), encoding: "utf-16le", bom: 2 };
  }
  if (b0 === 0xfe && b1 === 0xff) {
    return { text: utf16(bytes.subarray(2), "utf-16be"), encoding: "utf-16be", bom: 2 };
  }

  const guessed = guessBomlessUtf16(bytes);
  if (guessed) return { text: utf16(bytes, guessed), encoding: guessed, bom: 0 };

  try {
    return { text: strictUtf8.decode(bytes), encoding: "utf-8", bom: 0 };
  } catch {
    return { text: iconv().decode(toBuffer(bytes), "windows-1252"), encoding: "windows-1252", bom: 0 };
  }
}

/** UTF-8 after a BOM: the BOM is a promise, so invalid sequences become U+FFFD rather than 1252. */
function decodeUtf8(bytes: Uint8Array): string {
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
}

function utf16(bytes: Uint8Array, encoding: "utf-16le" | "utf-16be"): string {
  return iconv().decode(toBuffer(bytes), encoding, { stripBOM: false });
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * UTF-16 without a BOM is outside the policy, but it is unmistakable (ASCII text leaves every other
 * byte NUL) and would otherwise be refused as binary. Only the first 1 KB is examined.
 */
function guessBomlessUtf16(bytes: Uint8Array): "utf-16le" | "utf-16be" | undefined {
  const n = Math.min(bytes.length, 1024) & ~1;
  if (n < 4) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZeros++;
    if (bytes[i + 1] === 0) oddZeros++;
  }
  const pairs = n / 2;
  if (oddZeros >= pairs * 0.9 && evenZeros === 0) return "utf-16le";
  if (evenZeros >= pairs * 0.9 && oddZeros === 0) return "utf-16be";
  return undefined;
}
