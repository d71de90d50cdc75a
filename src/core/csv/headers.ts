// Header row → fields. Runs once per file, so clarity beats speed here; the per-row reader only
// sees the resulting column list.
import type { ColumnMapping, Field, Refusal } from "../types.ts";
import {
  type Alias,
  headerKey,
  isSilentlyIgnored,
  knownIgnoredReason,
  lookupAlias,
  lookupEntraProperty,
} from "./aliases.ts";
import { refuse } from "./refusals.ts";

/** What one header cell means, before the columns of the file are weighed against each other. */
export type HeaderMeaning =
  | { kind: "field"; alias: Alias }
  | { kind: "silent" }
  | { kind: "ignored"; reason: string }
  | { kind: "unnamed" }
  | { kind: "unknown" };

const BRACKETED = /\[([^\]]*)\]/g;
const PARENTHESISED = /\([^)]*\)/g;
const TRAILING_REQUIRED = /required$/;

/**
 * Interprets one header cell. Decorations that exporters add are dropped: `(Yes/No)` and any other
 * parenthesised note, a trailing `Required`, `*`, and bracketed notes such as Google's `[Required]`,
 * `[UPLOAD ONLY]` or `[MUST BE IN THE E.164 FORMAT]`. A bracketed Entra property name
 * (`User name [userPrincipalName] Required`) names the field outright and wins over the visible label.
 */
export function interpretHeader(header: string): HeaderMeaning {
  const text = header.trim();
  if (text === "") return { kind: "unnamed" };

  let property: string | undefined;
  const label = text.replace(BRACKETED, (_match, inner: string) => {
    property ??= propertyKey(inner);
    return " ";
  });
  const key = headerKey(label.replace(PARENTHESISED, " "));
  const bare = key.length > "required".length ? key.replace(TRAILING_REQUIRED, "") : key;

  if (property !== undefined) {
    // Entra's template column is "Block sign in (Yes/No) [accountEnabled]" and Yes means blocked, i.e.
    // the label wins over the property. Any other column bracketing accountEnabled means "enabled",
    // the inverse, which we do not read (see aliases.ts).
    if (property === "accountenabled") {
      return bare.includes("block")
        ? { kind: "field", alias: { field: "blockSignIn", tier: 0 } }
        : { kind: "ignored", reason: knownIgnoredReason(property) ?? "" };
    }
    const alias = lookupEntraProperty(property);
    if (alias) return { kind: "field", alias };
    const reason = knownIgnoredReason(property);
    if (reason !== undefined) return { kind: "ignored", reason };
  }

  const alias = lookupAlias(bare);
  if (alias) return { kind: "field", alias };
  if (isSilentlyIgnored(bare)) return { kind: "silent" };
  const reason = knownIgnoredReason(bare);
  if (reason !== undefined) return { kind: "ignored", reason };
  return { kind: "unknown" };
}

/** A bracketed name that is a property (a field or a known-ignored one); undefined for mere notes. */
function propertyKey(inner: string): string | undefined {
  const key = headerKey(inner);
  if (key === "accountenabled" || lookupEntraProperty(key) || knownIgnoredReason(key) !== undefined) {
    return key;
  }
  return undefined;
}

export interface HeaderMap {
  columns: ColumnMapping[];
  /** Number of columns that carry a name: cells beyond it are extra cells. */
  width: number;
  warnings: string[];
}

export type HeaderMapResult = { ok: true; map: HeaderMap } | { ok: false; refusal: Refusal };

interface Claim {
  index: number;
  header: string;
  alias: Alias;
}

/**
 * Maps a header row to fields. When several columns claim one field the lower alias tier wins and
 * the others are ignored with a warning (a loser with a fallback field takes that field if no column
 * claims it); two claims of the same tier are refused, because either could be the one the user meant.
 */
export function mapHeaders(header: readonly string[]): HeaderMapResult {
  let width = header.length;
  while (width > 0 && header[width - 1]!.trim() === "") width--;

  const fields: (Field | null)[] = header.map(() => null);
  const notes: (string | undefined)[] = header.map(() => undefined);
  const claims = new Map<Field, Claim[]>();

  for (let index = 0; index < width; index++) {
    const cell = header[index]!;
    const meaning = interpretHeader(cell);
    switch (meaning.kind) {
      case "field": {
        const list = claims.get(meaning.alias.field) ?? [];
        list.push({ index, header: cell, alias: meaning.alias });
        claims.set(meaning.alias.field, list);
        break;
      }
      case "silent":
        break;
      case "ignored":
        notes[index] = `Column '${cell.trim()}' was ignored: ${meaning.reason}.`;
        break;
      case "unnamed":
        notes[index] = `Column ${index + 1} has no header and was ignored.`;
        break;
      case "unknown":
        notes[index] = `Column '${cell.trim()}' is not recognised and was ignored.`;
        break;
    }
  }

  const losers: { claim: Claim; winner: Claim }[] = [];
  for (const [field, list] of claims) {
    list.sort((a, b) => a.alias.tier - b.alias.tier || a.index - b.index);
    const [winner, runnerUp] = list;
    if (!winner) continue;
    if (runnerUp && runnerUp.alias.tier === winner.alias.tier) {
      return {
        ok: false,
        refusal: refuse.duplicateColumn(winner.header.trim(), runnerUp.header.trim(), field),
      };
    }
    fields[winner.index] = field;
    for (const claim of list.slice(1)) losers.push({ claim, winner });
  }

  for (const { claim, winner } of losers) {
    const fallback = claim.alias.fallback;
    if (fallback && !claims.has(fallback) && !fields.includes(fallback)) {
      fields[claim.index] = fallback;
    } else {
      notes[claim.index] =
        `Column '${claim.header.trim()}' was ignored: '${winner.header.trim()}' is used for ${claim.alias.field}.`;
    }
  }

  const columns = header.map((cell, index) => ({ index, header: cell, field: fields[index] ?? null }));
  const warnings = notes.filter((note): note is string => note !== undefined);
  if (!fields.some((field) => field !== null) && header.some((cell) => cell.includes("@"))) {
    // A file saved without its header row: its first record is read as names. Say so plainly,
    // since the refusal that follows (a missing required column) would otherwise be puzzling.
    warnings.push("The first row looks like data rather than column names: is the header row missing?");
  }
  return { ok: true, map: { columns, width, warnings } };
}
