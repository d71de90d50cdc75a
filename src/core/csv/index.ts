// The CSV layer's public API: read an upload into a CsvTable, write any CSV we emit.
export { headerKey } from "./aliases.ts";
export { type Decoded, decode, type Encoding } from "./decode.ts";
export { neutraliseCell, restoreCell } from "./formula.ts";
export {
  type HeaderMap,
  type HeaderMapResult,
  type HeaderMeaning,
  interpretHeader,
  mapHeaders,
} from "./headers.ts";
export { hasField, type ReadOptions, readCsv } from "./read.ts";
export { CSV_REFUSAL_CODES, type CsvRefusalCode } from "./refusals.ts";
export { type Delimiter, sniffDelimiter } from "./sniff.ts";
export { type Cell, writeCsv, writeCsvText } from "./write.ts";
