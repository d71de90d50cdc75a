// The demo organisation as data, generated (pure: options in, organisation out; deterministic for a given
// seed and clock) from the tables in ./demo-data/.
//
// The shape: a CEO, one VP per department, directors (large departments) and managers, staff under
// them (the manager always comes earlier in the list, so the tree has no cycle), titles that fit the
// department and level, zero-padded employee ids, offices across eight cities, groups (all-staff,
// one per department, people managers, IT admins, service accounts, projects), licenses whose seats
// always cover their assignments (Visio exactly full), sign-ins over the past year with ~5% never
// signed in, ~2% disabled users, a few admins (account_type 'admin') and service accounts ('service').

import {
  DEPARTMENTS,
  type Department,
  DIRECTOR_TITLE,
  MANAGER_TITLE,
  STAFF_TITLES,
  VP_TITLE,
} from "./demo-data/departments.ts";
import { GROUP_DESCRIPTIONS, PROJECTS, SERVICE_ACCOUNTS } from "./demo-data/groups.ts";
import { BASE_PLANS, LICENSE_NAMES } from "./demo-data/licenses.ts";
import { FIRST_NAMES, LAST_NAMES } from "./demo-data/names.ts";
import { OFFICES } from "./demo-data/offices.ts";
import { chance, pick, seededRandom, uuidFrom, weighted } from "./demo-random.ts";

export const DEFAULT_DEMO_USERS = 200;
export const MAX_DEMO_USERS = 500_000;
export const DEFAULT_DEMO_SEED = 42;
export const DEFAULT_DEMO_DOMAIN = "example.com";

export interface DemoOptions {
  users?: number;
  seed?: number;
  domain?: string;
  /** "Now" for sign-ins and hire dates. */
  now: Date;
}

export type Level = "ceo" | "vp" | "director" | "manager" | "staff" | "service";

export interface DemoUser {
  id: string;
  email: string;
  displayName: string;
  firstName: string | null;
  lastName: string | null;
  username: string;
  department: string;
  jobTitle: string;
  managerId: string | null;
  employeeId: string | null;
  office: string | null;
  phone: string | null;
  mobile: string | null;
  city: string | null;
  country: string | null;
  usageLocation: string;
  attributes: Record<string, string>;
  status: "active" | "disabled";
  accountType: "user" | "admin" | "service";
  mustChangePassword: boolean;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
  disabledAt: string | null;
  level: Level;
}

export interface DemoGroup {
  id: string;
  name: string;
  description: string;
  memberIds: string[];
}

export interface DemoLicense {
  id: string;
  sku: string;
  name: string;
  totalSeats: number;
  userIds: string[];
}

export interface DemoOrganisation {
  users: DemoUser[];
  groups: DemoGroup[];
  licenses: DemoLicense[];
}

/** ASCII local part: accents folded, apostrophes and spaces dropped. */
function emailPart(name: string): string {
  return name
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/ø/gi, "o")
    .replace(/ł/gi, "l")
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "");
}

const DAY = 86_400_000;

/** Splits `total` over the weights (largest remainder), in order, so the counts add up exactly. */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = exact
    .map((x, i) => [x - Math.floor(x), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left-- <= 0) break;
    counts[i]! += 1;
  }
  return counts;
}

/** The whole organisation as data: same options, same result. */
export function generateDemoOrganisation(options: DemoOptions): DemoOrganisation {
  const total = options.users ?? DEFAULT_DEMO_USERS;
  if (!Number.isSafeInteger(total) || total < 1 || total > MAX_DEMO_USERS) {
    throw new RangeError(`users must be a whole number from 1 to ${MAX_DEMO_USERS}`);
  }
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  const domain = (options.domain ?? DEFAULT_DEMO_DOMAIN).toLowerCase();
  const random = seededRandom(seed);
  const now = options.now.getTime();
  const iso = (ms: number) => new Date(Math.min(ms, now)).toISOString();

  const taken = new Set<string>();
  const uniqueEmail = (local: string) => {
    let candidate = `${local}@${domain}`;
    for (let n = 2; taken.has(candidate); n++) candidate = `${local}${n}@${domain}`;
    taken.add(candidate);
    return candidate;
  };

  const users: DemoUser[] = [];
  let employeeNumber = 0;

  const person = (
    department: Department | "Executive",
    level: Level,
    jobTitle: string,
    manager: DemoUser | null,
  ) => {
    const firstName = pick(random, FIRST_NAMES);
    const lastName = pick(random, LAST_NAMES);
    const email = uniqueEmail(`${emailPart(firstName)}.${emailPart(lastName)}`);
    const office =
      manager && chance(random, 0.6)
        ? (OFFICES.find((o) => o.office === manager.office) ?? pick(random, OFFICES))
        : weighted(
            random,
            OFFICES.map((o) => [o, o.weight] as const),
          );
    employeeNumber += 1;

    // Hired 0–6 years ago, recent hires more likely (growing company); leaders earlier.
    const tenureYears = level === "staff" ? 6 * random() ** 1.6 : 2 + 6 * random();
    let createdAt = now - Math.round(tenureYears * 365 * DAY) - Math.floor(random() * DAY);
    // Sign-ins: ~5% never; otherwise mostly in the last two weeks, some idle for months.
    let lastLoginAt: number | null;
    if (level !== "ceo" && chance(random, 0.05)) {
      lastLoginAt = null;
      if (chance(random, 0.5)) createdAt = now - Math.floor(random() * 30 * DAY); // a new hire
    } else {
      const band = weighted(random, [
        [[0, 14], 80],
        [[14, 90], 10],
        [[90, 365], 10],
      ] as const);
      const daysAgo = band[0] + random() * (band[1] - band[0]);
      lastLoginAt = Math.max(now - Math.round(daysAgo * DAY), createdAt + Math.floor(random() * DAY));
    }
    const user: DemoUser = {
      id: uuidFrom(random),
      email,
      displayName: `${firstName} ${lastName}`,
      firstName,
      lastName,
      username: email.slice(0, email.indexOf("@")),
      department,
      jobTitle,
      managerId: manager?.id ?? null,
      employeeId: String(employeeNumber).padStart(6, "0"),
      office: office.office,
      phone: office.phone(random),
      mobile: chance(random, 0.6) ? office.mobile(random) : null,
      city: office.city,
      country: office.country,
      usageLocation: office.usageLocation,
      attributes: {
        company: "Example Corp",
        costCenter: `CC-${department === "Executive" ? "EXE" : DEPARTMENTS.find((d) => d.name === department)!.code}`,
        employeeType: level === "staff" && chance(random, 0.05) ? "Contractor" : "Employee",
      },
      status: "active",
      accountType: "user",
      mustChangePassword: lastLoginAt === null,
      lastLoginAt: lastLoginAt === null ? null : iso(lastLoginAt),
      createdAt: iso(createdAt),
      updatedAt: iso(lastLoginAt ?? createdAt),
      disabledAt: null,
      level,
    };
    users.push(user);
    return user;
  };

  const serviceCount = total >= 10 ? Math.min(2 + Math.floor(total / 5000), SERVICE_ACCOUNTS.length) : 0;
  const people = total - serviceCount;

  const ceo = person("Executive", "ceo", "Chief Executive Officer", null);
  const perDepartment = apportion(
    people - 1,
    DEPARTMENTS.map((d) => d.weight),
  );
  const managers: DemoUser[] = [];
  const staffByDepartment = new Map<Department, DemoUser[]>();

  DEPARTMENTS.forEach((dept, index) => {
    const size = perDepartment[index] ?? 0;
    if (size === 0) return;
    const vp = person(dept.name, "vp", VP_TITLE[dept.name], ceo);
    const below = size - 1;
    let managerCount = below > 8 ? Math.ceil(below / 9) : 0;
    const directorCount = managerCount > 6 ? Math.ceil(managerCount / 6) : 0;
    managerCount = Math.min(managerCount, below - directorCount);
    const directors = Array.from({ length: directorCount }, () =>
      person(dept.name, "director", DIRECTOR_TITLE[dept.name], vp),
    );
    const deptManagers = Array.from({ length: managerCount }, (_, i) =>
      person(
        dept.name,
        "manager",
        pick(random, MANAGER_TITLE[dept.name]),
        directors.length ? directors[i % directors.length]! : vp,
      ),
    );
    managers.push(vp, ...directors, ...deptManagers);
    const staffCount = below - directorCount - managerCount;
    const staff: DemoUser[] = [];
    for (let i = 0; i < staffCount; i++) {
      const manager = deptManagers.length ? deptManagers[Math.floor(random() * deptManagers.length)]! : vp;
      staff.push(person(dept.name, "staff", weighted(random, STAFF_TITLES[dept.name]), manager));
    }
    staffByDepartment.set(dept.name, staff);
  });
  if (users.length > 1) managers.unshift(ceo);

  // Admins: IT people in Operations (else Engineering, else anyone on staff).
  const adminCount = total >= 10 ? 2 + Math.floor(total / 5000) : 0;
  const adminPool = [
    ...(staffByDepartment.get("Operations") ?? []),
    ...(staffByDepartment.get("Engineering") ?? []),
    ...[...staffByDepartment.values()].flat(),
  ];
  const admins: DemoUser[] = [];
  for (const candidate of adminPool) {
    if (admins.length >= adminCount) break;
    if (admins.includes(candidate) || candidate.lastLoginAt === null) continue;
    candidate.accountType = "admin";
    candidate.jobTitle = admins.length === 0 ? "IT Administrator" : "Systems Administrator";
    admins.push(candidate);
  }

  // A few disabled users (~2% of staff): left, blocked from signing in, licenses reclaimed.
  for (const user of [...staffByDepartment.values()].flat()) {
    if (user.accountType !== "user" || !chance(random, 0.02)) continue;
    const lastSeen = now - Math.round((60 + random() * 300) * DAY);
    const loginAt = Math.max(lastSeen, Date.parse(user.createdAt) + DAY);
    user.status = "disabled";
    user.lastLoginAt = iso(loginAt);
    user.disabledAt = iso(loginAt + Math.round((1 + random() * 20) * DAY));
    user.updatedAt = user.disabledAt;
    user.mustChangePassword = false;
  }

  // Service accounts: no manager, no employee id, no office; they sign in all the time.
  for (const [local, displayName] of SERVICE_ACCOUNTS.slice(0, serviceCount)) {
    const createdAt = now - Math.round((400 + random() * 1000) * DAY);
    users.push({
      id: uuidFrom(random),
      email: uniqueEmail(local),
      displayName,
      firstName: null,
      lastName: null,
      username: local,
      department: "Operations",
      jobTitle: "Service account",
      managerId: null,
      employeeId: null,
      office: null,
      phone: null,
      mobile: null,
      city: null,
      country: null,
      usageLocation: "GB",
      attributes: { company: "Example Corp", employeeType: "Service" },
      status: "active",
      accountType: "service",
      mustChangePassword: false,
      lastLoginAt: iso(now - Math.round(random() * 2 * DAY)),
      createdAt: iso(createdAt),
      updatedAt: iso(createdAt),
      disabledAt: null,
      level: "service",
    });
  }

  // --- groups ---
  const humans = users.filter((u) => u.accountType !== "service");
  const group = (name: string, description: string, members: DemoUser[]): DemoGroup => ({
    id: uuidFrom(random),
    name,
    description,
    memberIds: members.map((u) => u.id),
  });
  const groups: DemoGroup[] = [group("all-staff", GROUP_DESCRIPTIONS["all-staff"], humans)];
  for (const dept of DEPARTMENTS) {
    const members = humans.filter((u) => u.department === dept.name);
    if (members.length)
      groups.push(group(`dept-${dept.name.toLowerCase()}`, `${dept.name} department`, members));
  }
  groups.push(
    group(
      "people-managers",
      GROUP_DESCRIPTIONS["people-managers"],
      managers.filter((u) => u.status === "active"),
    ),
  );
  if (admins.length) groups.push(group("it-admins", GROUP_DESCRIPTIONS["it-admins"], admins));
  const services = users.filter((u) => u.accountType === "service");
  if (services.length)
    groups.push(group("service-accounts", GROUP_DESCRIPTIONS["service-accounts"], services));
  for (const [name, description, share] of PROJECTS) {
    const members = humans.filter((u) => u.status === "active" && u.level !== "ceo" && chance(random, share));
    groups.push(group(name, description, members));
  }

  // --- licenses: one base plan per active person, add-ons for some ---
  const base = new Map<string, DemoUser[]>(BASE_PLANS.map((sku) => [sku, []]));
  const powerBi: DemoUser[] = [];
  const visio: DemoUser[] = [];
  const project: DemoUser[] = [];
  for (const user of humans) {
    if (user.status !== "active") continue;
    const leader = user.level === "ceo" || user.level === "vp" || user.level === "director";
    const sku =
      leader || user.accountType === "admin" || user.department === "Legal"
        ? "M365_E5"
        : user.department === "Sales" || user.department === "Marketing"
          ? "M365_BUSINESS_PREMIUM"
          : user.department === "Support" && user.level === "staff"
            ? "M365_F3"
            : "M365_E3";
    base.get(sku)!.push(user);
    if (
      user.department === "Finance" ||
      (user.level !== "staff" && chance(random, 0.3)) ||
      (user.department === "Sales" && chance(random, 0.15))
    ) {
      powerBi.push(user);
    }
    if ((user.department === "Engineering" || user.department === "Operations") && chance(random, 0.1))
      visio.push(user);
    if (
      user.level === "manager" ||
      user.level === "director" ||
      (user.department === "Operations" && chance(random, 0.2))
    ) {
      project.push(user);
    }
  }
  const withHeadroom = (n: number) => Math.ceil(n * 1.05) + 5;
  const licenses: DemoLicense[] = [
    ...[...base].map(([sku, members]) => ({ sku, members, seats: withHeadroom(members.length) })),
    { sku: "POWER_BI_PRO", members: powerBi, seats: powerBi.length + 2 },
    // Exactly full: assigning one more needs a seat first (a realistic refusal to demo).
    { sku: "VISIO_PLAN_2", members: visio, seats: visio.length },
    { sku: "PROJECT_PLAN_3", members: project, seats: project.length + 10 },
  ].map(({ sku, members, seats }) => ({
    id: uuidFrom(random),
    sku,
    name: LICENSE_NAMES[sku] ?? sku,
    totalSeats: seats,
    userIds: members.map((u) => u.id),
  }));

  return { users, groups, licenses };
}
