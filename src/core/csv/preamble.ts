// Lines some tools write before the header row. They are recognised by shape, never guessed from
// content, so a real header is never skipped:
// - blank lines, and lines of delimiters only (Excel keeps empty rows as ",,,,");
// - Entra's template version line, `version:v1.0` (Excel may append ",,,," when re-saving);
// - a lone `#…` cell, e.g. PowerShell 5's `#TYPE System.Management.Automation.PSCustomObject`;
// - Excel's `sep=;` hint, which also tells us the delimiter.
import type { Delimiter } from "./sniff.ts";

export interface Preamble {
  /** Offset in the text where the header line starts (text.length when there is none). */
  start: number;
  /** Physical lines skipped before the header. */
  lines: number;
  /** Delimiter named by an Excel `sep=` line, when there was one. */
  delimiter?: Delimiter;
}

/** Enough for any real preamble; a file that is all blank lines beyond this has no header anyway. */
const MAX_PREAMBLE_LINES = 1000;

const SEP = /^sep=([,;\t])\s*$/i;
const VERSION = /^"?version:\s*v?\d+(\.\d+)*"?$/i;
const TRAILING_DELIMITERS = /[,;\t\s]+$/;
const DELIMITER = /[,;\t]/;
const ONLY_DELIMITERS = /^[,;\t\s"]*$/;

/** One physical line (CRLF, LF or lone CR) starting at `pos`, and where the next one starts. */
export function readLine(text: string, pos: number): { line: string; next: number } {
  let end = pos;
  while (end < text.length) {
    const code = text.charCodeAt(end);
    if (code === 0x0a || code === 0x0d) break;
    end++;
  }
  let next = end;
  if (text.charCodeAt(next) === 0x0d) next++;
  if (text.charCodeAt(next) === 0x0a) next++;
  return { line: text.slice(pos, end), next };
}

export function findHeader(text: string): Preamble {
  let pos = 0;
  let delimiter: Delimiter | undefined;
  for (let lines = 0; lines < MAX_PREAMBLE_LINES && pos < text.length; lines++) {
    const { line, next } = readLine(text, pos);
    const sep = SEP.exec(line.trimStart());
    if (sep) delimiter = sep[1] as Delimiter;
    else if (!isPreamble(line)) return delimiter ? { start: pos, lines, delimiter } : { start: pos, lines };
    pos = next;
  }
  return { start: text.length, lines: 0 };
}

function isPreamble(line: string): boolean {
  if (ONLY_DELIMITERS.test(line)) return true;
  const cell = line.trim().replace(TRAILING_DELIMITERS, "");
  if (VERSION.test(cell)) return true;
  return cell.startsWith("#") && !DELIMITER.test(cell);
}
