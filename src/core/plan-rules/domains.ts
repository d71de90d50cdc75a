// The organisation's e-mail domains (BULKUSERS_DOMAINS). With a list, a new address (create, or an update
// whose user does not exist) outside it fails, suggesting the nearest listed domain for a typo
// (`exmaple.com` → "did you mean example.com?"). Without one, a file that mostly uses one domain and a
// few times another gets a warning instead: that is how a typo shows when nothing is configured.
import { plural } from "./values.ts";

/** Up to this many edits (insert, delete, change, swap two neighbours) a domain is a near miss. */
const NEAR = 2;

/**
 * Optimal string alignment distance: Levenshtein plus the swap of two neighbouring letters as one edit,
 * since `exmaple` for `example` is the typo people make. Domains are short: the O(n·m) table is tiny.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

export function domainOf(email: string): string {
  return email.slice(email.lastIndexOf("@") + 1).toLowerCase();
}

/** The listed domain nearest to `domain` when it is a near miss (ties: the first listed). */
export function nearestDomain(domain: string, domains: readonly string[]): string | undefined {
  let best: { domain: string; distance: number } | undefined;
  for (const candidate of domains) {
    const distance = editDistance(domain, candidate);
    if (
      distance <= NEAR &&
      distance < candidate.length / 2 &&
      (best === undefined || distance < best.distance)
    ) {
      best = { domain: candidate, distance };
    }
  }
  return best?.domain;
}

/** Why an address's domain is not the organisation's, or null when it is (or no list is configured). */
export function domainProblem(email: string, domains: readonly string[] | undefined): string | null {
  if (domains === undefined || domains.length === 0) return null;
  const domain = domainOf(email);
  if (domains.includes(domain)) return null;
  const near = nearestDomain(domain, domains);
  if (near !== undefined)
    return `Domain ${domain} is not one of the organisation's domains: did you mean ${near}?`;
  return `Domain ${domain} is not one of the organisation's domains (${domains.join(", ")})`;
}

/**
 * Without a configured list: one warning per domain that few rows use next to a domain most rows use.
 * A near miss of the common domain is named as a likely typo; any other rare domain is pointed out when
 * the common one is used at least ten times as often.
 */
export function mixedDomainWarnings(rows: readonly { row: number; key: string }[]): string[] {
  const byDomain = new Map<string, number[]>();
  for (const { row, key } of rows) {
    if (!key.includes("@")) continue;
    const domain = domainOf(key);
    const list = byDomain.get(domain);
    if (list) list.push(row);
    else byDomain.set(domain, [row]);
  }
  if (byDomain.size < 2) return [];
  const [common, commonRows] = [...byDomain].sort((a, b) => b[1].length - a[1].length)[0]!;
  const warnings: string[] = [];
  for (const [domain, rowNumbers] of byDomain) {
    if (domain === common || rowNumbers.length >= commonRows.length) continue;
    const near = editDistance(domain, common) <= NEAR;
    if (!near && rowNumbers.length * 10 > commonRows.length) continue;
    const where = `${plural(rowNumbers.length, "row")} (${formatRows(rowNumbers)}) ${rowNumbers.length === 1 ? "uses" : "use"} ${domain}`;
    const usual = `${plural(commonRows.length, "row")} use ${common}`;
    warnings.push(
      near
        ? `${where} while ${usual}: did you mean ${common}? Set BULKUSERS_DOMAINS to refuse other domains.`
        : `${where} while ${usual}: check those addresses. Set BULKUSERS_DOMAINS to refuse other domains.`,
    );
  }
  return warnings;
}

function formatRows(rows: readonly number[]): string {
  const shown = rows.slice(0, 5).join(", ");
  return rows.length > 5 ? `${shown}, …` : shown;
}
