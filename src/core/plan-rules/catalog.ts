// Lookups of licenses and groups by what a file writes: case-insensitive, built once per plan.

import type { DirectoryGroup, DirectoryLicense, DirectoryView } from "../types.ts";

export class LicenseCatalog {
  private readonly bySku = new Map<string, DirectoryLicense>();
  private readonly byName = new Map<string, DirectoryLicense>();

  constructor(licenses: Iterable<DirectoryLicense>) {
    const all = [...licenses];
    for (const l of all) this.bySku.set(l.sku.toUpperCase(), l);
    for (const l of all) {
      const k = l.name.trim().toUpperCase();
      if (k !== "" && !this.bySku.has(k) && !this.byName.has(k)) this.byName.set(k, l);
    }
  }

  /** By SKU (case-insensitive), else by the license's display name. */
  resolve(token: string): DirectoryLicense | undefined {
    const k = token.trim().toUpperCase();
    return this.bySku.get(k) ?? this.byName.get(k);
  }

  /** A short list of known SKUs for error messages. */
  knownSkus(max = 8): string {
    const skus = [...this.bySku.values()].map((l) => l.sku);
    if (skus.length === 0)
      return "no licenses are defined; add one with `npx bulkusers license add <sku> --seats N`";
    const shown = skus.slice(0, max).join(", ");
    return `known: ${shown}${skus.length > max ? ", …" : ""}`;
  }
}

export function unknownLicenseMessage(token: string, catalog: LicenseCatalog): string {
  return `License '${token}' does not exist (${catalog.knownSkus()})`;
}

export function resolveGroup(directory: DirectoryView, token: string): DirectoryGroup | undefined {
  return directory.groups.get(token.trim().toLowerCase());
}

export function unknownGroupMessage(name: string): string {
  const arg = /[\s"'`$\\]/.test(name) ? `"${name.replace(/["\\$`]/g, "\\$&")}"` : name;
  return `Group '${name}' does not exist; create it with \`npx bulkusers group add ${arg}\``;
}
