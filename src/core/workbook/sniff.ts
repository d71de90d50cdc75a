// What kind of file the bytes are, from their container alone: a CSV (text), an Excel workbook we read
// (.xlsx), or a spreadsheet we refuse with a reason (macro-enabled, encrypted, legacy .xls, .xlsb, .ods).
// Decided from the bytes, never from the file name: people rename files, and Slack and the API may not
// tell us the name at all.
import type { Refusal } from "../types.ts";
import { refuseWorkbook } from "./refusals.ts";

export type FileKind = { kind: "text" } | { kind: "xlsx" } | { kind: "refused"; refusal: Refusal };

const ZIP = [0x50, 0x4b, 0x03, 0x04]; // PK\3\4: Office Open XML, OpenDocument, any zip
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]; // compound file: .xls, or an encrypted .xlsx

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((byte, i) => bytes[i] === byte);
}

// Byte-for-byte view (every byte one char), so ASCII names can be searched without decoding.
const latin1 = new TextDecoder("latin1");

/** UTF-16LE spelling of an ASCII name, as stream names are written in a compound file's directory. */
function utf16le(name: string): string {
  return [...name].map((ch) => `${ch}\u0000`).join("");
}

export function sniffFile(bytes: Uint8Array): FileKind {
  if (startsWith(bytes, ZIP)) return sniffZip(latin1.decode(bytes));
  if (startsWith(bytes, OLE2)) {
    // An .xlsx with an open password is an OLE2 file holding an `EncryptedPackage` stream.
    const text = latin1.decode(bytes);
    return {
      kind: "refused",
      refusal: text.includes(utf16le("EncryptedPackage"))
        ? refuseWorkbook.encrypted()
        : refuseWorkbook.legacy(),
    };
  }
  return { kind: "text" };
}

/**
 * A zip's entry names are stored uncompressed (local headers and central directory), so the parts it
 * holds can be told without unzipping: `xl/vbaProject.bin` is a macro project (.xlsm, and an .xlsx that
 * carries one anyway), `xl/workbook.bin` a binary workbook, `xl/workbook.xml` the workbook we read.
 * An OpenDocument file starts with its stored `mimetype` entry.
 */
function sniffZip(text: string): FileKind {
  if (text.includes("xl/vbaProject.bin") || text.includes("macroEnabled")) {
    return { kind: "refused", refusal: refuseWorkbook.macroEnabled() };
  }
  if (text.includes("xl/workbook.xml")) return { kind: "xlsx" };
  if (text.includes("xl/workbook.bin")) return { kind: "refused", refusal: refuseWorkbook.binaryWorkbook() };
  if (text.includes("application/vnd.oasis.opendocument")) {
    return { kind: "refused", refusal: refuseWorkbook.openDocument() };
  }
  // A zip this short cannot hold any of the parts above: a damaged or cut-off workbook.
  if (!text.includes("PK\u0001\u0002")) return { kind: "refused", refusal: refuseWorkbook.unreadable() };
  return { kind: "refused", refusal: refuseWorkbook.otherArchive() };
}
