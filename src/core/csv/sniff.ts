// Which delimiter a file uses: `,` `;` (Excel in locales where the comma is the decimal separator)
// or TAB (Excel's "Unicode Text", copy-paste from a sheet). Decided from the header line, which has
// no numbers or free text in it, so a simple count is reliable.
import type { CsvTable } from "../types.ts";

export type Delimiter = CsvTable["delimiter"];

const CANDIDATES: readonly Delimiter[] = [",", ";", "\t"];

/** Counts of each candidate outside double-quoted sections of one line. */
function countOutsideQuotes(line: string): number[] {
  const counts = [0, 0, 0];
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    // A doubled quote inside quotes toggles twice, so escapes need no special case.
    if (ch === '"') quoted = !quoted;
    else if (!quoted) {
      const k = CANDIDATES.indexOf(ch as Delimiter);
      if (k !== -1) counts[k]!++;
    }
  }
  return counts;
}

/**
 * The candidate that occurs most often in the header line (outside quotes). Ties are broken by the
 * next line when given (the delimiter that splits it into as many fields), then by the order
 * `,` `;` TAB. A header without any candidate is a single-column file: `,`.
 */
export function sniffDelimiter(headerLine: string, nextLine?: string): Delimiter {
  const counts = countOutsideQuotes(headerLine);
  const best = Math.max(...counts);
  if (best === 0) return ",";
  const tied = CANDIDATES.filter((_, k) => counts[k] === best);
  if (tied.length > 1 && nextLine !== undefined) {
    const next = countOutsideQuotes(nextLine);
    const consistent = tied.find((d) => next[CANDIDATES.indexOf(d)] === best);
    if (consistent) return consistent;
  }
  return tied[0]!;
}
