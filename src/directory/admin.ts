// Directory administration that is not a bulk operation: creating groups and licenses (and setting a
// license's seat count). Expected bad input comes back as a refusal with a code, never as a throw.
// Every change is audited in the same transaction.
import { count, eq, sql } from "drizzle-orm";
import type { Refusal } from "../core/types.ts";
import type { Database } from "./client.ts";
import { auditLog, groups, licenseAssignments, licenses } from "./schema.ts";
import { knownServicePlans } from "./service-plan-catalog.ts";

export type AdminSource = "slack" | "api" | "cli" | "schedule";

export interface AdminActor {
  actor: string;
  source: AdminSource;
}

export type AdminResult<T> = ({ ok: true } & T) | { ok: false; refusal: Refusal };

export interface GroupInfo {
  id: string;
  name: string;
  description: string | null;
  createdAt: string;
}

export interface LicenseInfo {
  id: string;
  sku: string;
  name: string;
  totalSeats: number;
  assignedSeats: number;
  freeSeats: number;
  servicePlans: string[];
}

export const MAX_GROUP_NAME_LENGTH = 256;
export const MAX_SEATS = 10_000_000;

/** Friendly names for well-known SKUs, used when `license add` is given no name. */
export const KNOWN_LICENSE_NAMES: Record<string, string> = {
  M365_E3: "Microsoft 365 E3",
  M365_E5: "Microsoft 365 E5",
  M365_F3: "Microsoft 365 F3",
  M365_BUSINESS_BASIC: "Microsoft 365 Business Basic",
  M365_BUSINESS_STANDARD: "Microsoft 365 Business Standard",
  M365_BUSINESS_PREMIUM: "Microsoft 365 Business Premium",
  O365_E1: "Office 365 E1",
  O365_E3: "Office 365 E3",
  ENTERPRISEPACK: "Office 365 E3",
  SPE_E3: "Microsoft 365 E3",
  SPE_E5: "Microsoft 365 E5",
  POWER_BI_PRO: "Power BI Pro",
  VISIO_PLAN_2: "Visio Plan 2",
  PROJECT_PLAN_3: "Project Plan 3",
  EMS_E3: "Enterprise Mobility + Security E3",
  TEAMS_PHONE: "Teams Phone Standard",
};

/** Text a spreadsheet would run as a formula: refused in names we store (DESIGN §4). */
const FORMULA_START = /^[=@]|^[\t\r]\s*[=+\-@]/;

function validateGroupName(raw: string): Refusal | undefined {
  const name = raw.trim();
  if (!name) return { code: "group.invalid_name", message: "A group needs a name." };
  if (name.length > MAX_GROUP_NAME_LENGTH) {
    return {
      code: "group.invalid_name",
      message: `Group names are at most ${MAX_GROUP_NAME_LENGTH} characters.`,
    };
  }
  if (FORMULA_START.test(name)) {
    return {
      code: "group.invalid_name",
      message: `Group name '${name}' looks like a spreadsheet formula (starts with = or @).`,
    };
  }
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    return { code: "group.invalid_name", message: "Group names cannot contain control characters." };
  }
  return undefined;
}

/** Creates a group. A name that exists already (case-insensitively) is refused: `group.exists`. */
export async function addGroup(
  db: Database,
  input: { name: string; description?: string | null },
  by: AdminActor,
): Promise<AdminResult<{ group: GroupInfo }>> {
  const refusal = validateGroupName(input.name);
  if (refusal) return { ok: false, refusal };
  const name = input.name.trim();
  const description = input.description?.trim() || null;
  return db.transaction(async (tx) => {
    const [created] = await tx.insert(groups).values({ name, description }).onConflictDoNothing().returning({
      id: groups.id,
      name: groups.name,
      description: groups.description,
      createdAt: groups.createdAt,
    });
    if (!created) {
      const [existing] = await tx
        .select({ name: groups.name })
        .from(groups)
        .where(sql`lower(${groups.name}) = lower(${name})`);
      return {
        ok: false as const,
        refusal: {
          code: "group.exists",
          message: `A group named '${existing?.name ?? name}' already exists.`,
        },
      };
    }
    await tx.insert(auditLog).values({
      actor: by.actor,
      source: by.source,
      action: "group.add",
      target: created.name,
      after: { name: created.name, description: created.description },
    });
    return { ok: true as const, group: created };
  });
}

function validateSku(raw: string): Refusal | undefined {
  const sku = raw.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9_.:+-]{0,63}$/.test(sku)) {
    return {
      code: "license.invalid_sku",
      message: `'${raw}' is not a license SKU: use letters, digits and _ . : + - (at most 64), e.g. M365_E3.`,
    };
  }
  return undefined;
}

export interface AddLicenseInput {
  sku: string;
  seats: number;
  /** Display name; defaults to a known product name, else the SKU. Given on an existing SKU, it renames. */
  name?: string | null;
  /**
   * The SKU's service plans (Entra names, e.g. TEAMS1). Default for a new SKU: the known plans of a
   * well-known SKU, else none. Given on an existing SKU, they replace its list.
   */
  servicePlans?: string[] | null;
}

export type LicenseAction = "created" | "updated" | "unchanged";

/**
 * Creates a license, or sets the seat count (and the name, when given) of an existing SKU (matched
 * case-insensitively). Refuses to set fewer seats than are assigned: `license.seats_below_assigned`.
 */
export async function addLicense(
  db: Database,
  input: AddLicenseInput,
  by: AdminActor,
): Promise<AdminResult<{ action: LicenseAction; license: LicenseInfo; previousSeats: number | null }>> {
  const invalid = validateSku(input.sku);
  if (invalid) return { ok: false, refusal: invalid };
  if (!Number.isSafeInteger(input.seats) || input.seats < 0 || input.seats > MAX_SEATS) {
    return {
      ok: false,
      refusal: {
        code: "license.invalid_seats",
        message: `Seats must be a whole number from 0 to ${MAX_SEATS.toLocaleString("en-US")}.`,
      },
    };
  }
  const sku = input.sku.trim();
  const givenName = input.name?.trim() || null;
  const givenPlans = input.servicePlans
    ? [...new Set(input.servicePlans.map((p) => p.trim()).filter(Boolean))]
    : null;
  const badPlan = givenPlans?.find((p) => !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/.test(p));
  if (badPlan !== undefined) {
    return {
      ok: false,
      refusal: {
        code: "license.invalid_plan",
        message: `'${badPlan}' is not a service plan name: use letters, digits and _ . - (e.g. TEAMS1).`,
      },
    };
  }
  if (givenName && FORMULA_START.test(givenName)) {
    return {
      ok: false,
      refusal: {
        code: "license.invalid_name",
        message: `License name '${givenName}' looks like a spreadsheet formula (starts with = or @).`,
      },
    };
  }

  return db.transaction(async (tx) => {
    // Lock the SKU's row (if any) so a concurrent assignment cannot slip under a seat reduction.
    const [existing] = await tx
      .select()
      .from(licenses)
      .where(sql`upper(${licenses.sku}) = upper(${sku})`)
      .for("update");

    if (!existing) {
      const name = givenName ?? KNOWN_LICENSE_NAMES[sku.toUpperCase()] ?? sku;
      const [created] = await tx
        .insert(licenses)
        .values({ sku, name, totalSeats: input.seats, servicePlans: givenPlans ?? knownServicePlans(sku) })
        .onConflictDoNothing()
        .returning();
      if (!created) {
        return {
          ok: false as const,
          refusal: {
            code: "license.conflict",
            message: `License ${sku} was created by someone else at the same time; try again.`,
          },
        };
      }
      await tx.insert(auditLog).values({
        actor: by.actor,
        source: by.source,
        action: "license.add",
        target: created.sku,
        after: {
          sku: created.sku,
          name: created.name,
          totalSeats: created.totalSeats,
          servicePlans: created.servicePlans,
        },
      });
      return {
        ok: true as const,
        action: "created" as const,
        previousSeats: null,
        license: {
          id: created.id,
          sku: created.sku,
          name: created.name,
          totalSeats: created.totalSeats,
          assignedSeats: 0,
          freeSeats: created.totalSeats,
          servicePlans: created.servicePlans,
        },
      };
    }

    const [assigned] = await tx
      .select({ n: count() })
      .from(licenseAssignments)
      .where(eq(licenseAssignments.licenseId, existing.id));
    const assignedSeats = Number(assigned?.n ?? 0);
    if (input.seats < assignedSeats) {
      return {
        ok: false as const,
        refusal: {
          code: "license.seats_below_assigned",
          message: `${existing.sku} has ${assignedSeats} seats assigned; it cannot have only ${input.seats}. Remove licenses first.`,
        },
      };
    }
    const name = givenName ?? existing.name;
    const servicePlans = givenPlans ?? existing.servicePlans;
    const samePlans = servicePlans.join("\n") === existing.servicePlans.join("\n");
    if (input.seats === existing.totalSeats && name === existing.name && samePlans) {
      return {
        ok: true as const,
        action: "unchanged" as const,
        previousSeats: existing.totalSeats,
        license: {
          id: existing.id,
          sku: existing.sku,
          name: existing.name,
          totalSeats: existing.totalSeats,
          assignedSeats,
          freeSeats: existing.totalSeats - assignedSeats,
          servicePlans: existing.servicePlans,
        },
      };
    }
    await tx
      .update(licenses)
      .set({ totalSeats: input.seats, name, servicePlans })
      .where(eq(licenses.id, existing.id));
    await tx.insert(auditLog).values({
      actor: by.actor,
      source: by.source,
      action: "license.update",
      target: existing.sku,
      before: { name: existing.name, totalSeats: existing.totalSeats, servicePlans: existing.servicePlans },
      after: { name, totalSeats: input.seats, servicePlans },
    });
    return {
      ok: true as const,
      action: "updated" as const,
      previousSeats: existing.totalSeats,
      license: {
        id: existing.id,
        sku: existing.sku,
        name,
        totalSeats: input.seats,
        assignedSeats,
        freeSeats: input.seats - assignedSeats,
        servicePlans,
      },
    };
  });
}
