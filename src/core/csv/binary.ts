// Files that are not text at all: most often an Excel workbook uploaded instead of its CSV export.
// Caught before parsing so the user gets "save as CSV" instead of a screen of garbled columns.
import type { Refusal } from "../types.ts";
import { refuse } from "./refusals.ts";

const ZIP = [0x50, 0x4b, 0x03, 0x04]; // PK\3\4: .xlsx (and every other Office Open XML or zip file)
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]; // compound file: .xls

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((byte, i) => bytes[i] === byte);
}

/** A refusal when the raw bytes are a workbook; null when they may be text. */
export function sniffWorkbook(bytes: Uint8Array): Refusal | null {
  if (startsWith(bytes, ZIP)) return refuse.workbook("xlsx");
  if (startsWith(bytes, OLE2)) return refuse.workbook("xls");
  return null;
}

/**
 * A refusal when decoded text holds NUL characters. Checked after decoding, so UTF-16 (whose bytes
 * are full of NULs) passes, while any other binary file is caught: no CSV contains U+0000.
 */
export function sniffBinaryText(text: string): Refusal | null {
  return text.includes("\u0000") ? refuse.binary() : null;
}
