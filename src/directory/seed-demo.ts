// `bulkusers seed-demo`: fills an EMPTY directory with a realistic organisation, deterministic for a
// given seed and clock. `generateDemoOrganisation` is pure (data in, data out); `seedDemo` writes it
// with a handful of set-based statements (jsonb_to_recordset, chunked), never one round trip per user.
//
// The shape: a CEO, one VP per department, directors (large departments) and managers, staff under
// them (the manager always comes earlier in the list, so the tree has no cycle), titles that fit the
// department and level, zero-padded employee ids, offices across eight cities, groups (all-staff,
// one per department, people managers, IT admins, service accounts, projects), licenses whose seats
// always cover their assignments (Visio exactly full), sign-ins over the past year with ~5% never
// signed in, ~2% disabled users, a few admins (account_type 'admin') and service accounts ('service').
//
// A second run refuses when the directory already has users (`seed.not_empty`): seeding is for empty
// demo/test databases only. Groups and licenses of the same name that exist already are reused (their
// seats raised to cover the demo's assignments), so `group add`/`license add` before seeding is fine.
import { sql } from "drizzle-orm";
import type { Refusal } from "../core/types.ts";
import { type Database, type Executor, queryRows } from "./client.ts";

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

export interface SeedSummary {
  seed: number;
  domain: string;
  users: number;
  active: number;
  disabled: number;
  neverSignedIn: number;
  admins: number;
  serviceAccounts: number;
  departments: Record<string, number>;
  groups: number;
  memberships: number;
  licenses: Array<{ sku: string; name: string; totalSeats: number; assignedSeats: number }>;
  assignments: number;
}

// --- deterministic randomness ----------------------------------------------------------------

/** mulberry32: small, fast, good enough for demo data; the same seed always gives the same stream. */
export function seededRandom(seed: number): () => number {
  let state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chance = (random: Random, p: number) => random() < p;
const digits = (random: Random, n: number) =>
  Array.from({ length: n }, () => Math.floor(random() * 10)).join("");

function weighted<T>(random: Random, items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((sum, [, w]) => sum + w, 0);
  let roll = random() * total;
  for (const [item, weight] of items) {
    roll -= weight;
    if (roll < 0) return item;
  }
  return items[items.length - 1]![0];
}

/** A version-4-shaped UUID from the seeded stream (ids must be known before insert for manager_id). */
function uuidFrom(random: Random): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = "4";
  hex[16] = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = hex.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

// --- the organisation ------------------------------------------------------------------------

const DEPARTMENTS = [
  { name: "Engineering", weight: 30, code: "ENG" },
  { name: "Sales", weight: 20, code: "SAL" },
  { name: "Support", weight: 14, code: "SUP" },
  { name: "Operations", weight: 10, code: "OPS" },
  { name: "Marketing", weight: 9, code: "MKT" },
  { name: "Finance", weight: 7, code: "FIN" },
  { name: "HR", weight: 5, code: "HR" },
  { name: "Legal", weight: 5, code: "LEG" },
] as const;
type Department = (typeof DEPARTMENTS)[number]["name"];

const VP_TITLE: Record<Department, string> = {
  Engineering: "VP of Engineering",
  Sales: "VP of Sales",
  Support: "VP of Customer Support",
  Operations: "VP of Operations",
  Marketing: "VP of Marketing",
  Finance: "Chief Financial Officer",
  HR: "VP of People",
  Legal: "General Counsel",
};

const DIRECTOR_TITLE: Record<Department, string> = {
  Engineering: "Director of Engineering",
  Sales: "Regional Sales Director",
  Support: "Director of Customer Support",
  Operations: "Director of Operations",
  Marketing: "Director of Marketing",
  Finance: "Finance Director",
  HR: "HR Director",
  Legal: "Deputy General Counsel",
};

const MANAGER_TITLE: Record<Department, readonly string[]> = {
  Engineering: ["Engineering Manager", "Engineering Manager", "QA Manager", "Platform Engineering Manager"],
  Sales: ["Sales Manager", "Account Management Lead", "Sales Development Manager"],
  Support: ["Support Manager", "Support Team Lead"],
  Operations: ["Operations Manager", "IT Manager", "Facilities Manager"],
  Marketing: ["Marketing Manager", "Brand Manager", "Content Manager"],
  Finance: ["Finance Manager", "Controller", "Payroll Manager"],
  HR: ["HR Manager", "Talent Acquisition Manager"],
  Legal: ["Legal Operations Manager", "Senior Counsel"],
};

const STAFF_TITLES: Record<Department, ReadonlyArray<readonly [string, number]>> = {
  Engineering: [
    ["Software Engineer", 30],
    ["Senior Software Engineer", 22],
    ["Staff Engineer", 5],
    ["QA Engineer", 10],
    ["DevOps Engineer", 8],
    ["Site Reliability Engineer", 6],
    ["Data Engineer", 7],
    ["Product Designer", 6],
    ["Security Engineer", 4],
  ],
  Sales: [
    ["Account Executive", 35],
    ["Sales Development Representative", 30],
    ["Account Manager", 20],
    ["Sales Operations Analyst", 8],
    ["Solutions Consultant", 7],
  ],
  Support: [
    ["Customer Support Agent", 50],
    ["Senior Support Agent", 20],
    ["Technical Support Engineer", 20],
    ["Customer Success Manager", 10],
  ],
  Operations: [
    ["IT Support Technician", 25],
    ["Systems Administrator", 15],
    ["Operations Analyst", 20],
    ["Procurement Specialist", 15],
    ["Facilities Coordinator", 15],
    ["Office Manager", 10],
  ],
  Marketing: [
    ["Marketing Specialist", 30],
    ["Content Writer", 20],
    ["Graphic Designer", 15],
    ["SEO Specialist", 10],
    ["Product Marketing Manager", 15],
    ["Events Coordinator", 10],
  ],
  Finance: [
    ["Accountant", 30],
    ["Financial Analyst", 30],
    ["Payroll Specialist", 15],
    ["Accounts Payable Clerk", 15],
    ["Internal Auditor", 10],
  ],
  HR: [
    ["HR Generalist", 30],
    ["Recruiter", 30],
    ["HR Business Partner", 20],
    ["Learning and Development Specialist", 20],
  ],
  Legal: [
    ["Legal Counsel", 35],
    ["Paralegal", 30],
    ["Contracts Manager", 20],
    ["Compliance Officer", 15],
  ],
};

interface Office {
  office: string;
  city: string;
  country: string;
  usageLocation: string;
  weight: number;
  phone: (random: Random) => string;
  mobile: (random: Random) => string;
}

// Numbers in ranges reserved for fiction/drama where one exists (Ofcom 020 7946 0xxx, NANP 555-01xx).
const OFFICES: readonly Office[] = [
  {
    office: "London HQ",
    city: "London",
    country: "United Kingdom",
    usageLocation: "GB",
    weight: 24,
    phone: (r) => `+44 20 7946 0${digits(r, 3)}`,
    mobile: (r) => `+44 7700 900${digits(r, 3)}`,
  },
  {
    office: "New York",
    city: "New York",
    country: "United States",
    usageLocation: "US",
    weight: 20,
    phone: (r) => `+1 212 555 01${digits(r, 2)}`,
    mobile: (r) => `+1 917 555 01${digits(r, 2)}`,
  },
  {
    office: "Austin",
    city: "Austin",
    country: "United States",
    usageLocation: "US",
    weight: 10,
    phone: (r) => `+1 512 555 01${digits(r, 2)}`,
    mobile: (r) => `+1 737 555 01${digits(r, 2)}`,
  },
  {
    office: "Toronto",
    city: "Toronto",
    country: "Canada",
    usageLocation: "CA",
    weight: 9,
    phone: (r) => `+1 416 555 01${digits(r, 2)}`,
    mobile: (r) => `+1 647 555 01${digits(r, 2)}`,
  },
  {
    office: "Berlin",
    city: "Berlin",
    country: "Germany",
    usageLocation: "DE",
    weight: 12,
    phone: (r) => `+49 30 ${digits(r, 8)}`,
    mobile: (r) => `+49 151 ${digits(r, 8)}`,
  },
  {
    office: "Paris",
    city: "Paris",
    country: "France",
    usageLocation: "FR",
    weight: 8,
    phone: (r) => `+33 1 ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)}`,
    mobile: (r) => `+33 6 ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)}`,
  },
  {
    office: "Singapore",
    city: "Singapore",
    country: "Singapore",
    usageLocation: "SG",
    weight: 9,
    phone: (r) => `+65 6${digits(r, 3)} ${digits(r, 4)}`,
    mobile: (r) => `+65 9${digits(r, 3)} ${digits(r, 4)}`,
  },
  {
    office: "Sydney",
    city: "Sydney",
    country: "Australia",
    usageLocation: "AU",
    weight: 8,
    phone: (r) => `+61 2 ${digits(r, 4)} ${digits(r, 4)}`,
    mobile: (r) => `+61 4${digits(r, 2)} ${digits(r, 3)} ${digits(r, 3)}`,
  },
];

/** A comma-separated list (names may contain spaces and apostrophes). */
const words = (text: string) =>
  text
    .split(",")
    .map((w) => w.trim())
    .filter(Boolean);

const FIRST_NAMES: readonly string[] = words(`
  Olivia, Liam, Emma, Noah, Amelia, Oliver, Ava, Elijah, Sophia, James, Isabella, William, Mia,
  Benjamin, Charlotte, Lucas, Harper, Henry, Evelyn, Alexander, Aisha, Mohammed, Fatima, Omar,
  Priya, Arjun, Ananya, Rohan, Mei, Wei, Hiroshi, Yuki, Sakura, Kenji, Ji-woo, Min-jun, Seo-yeon,
  Chloé, Léa, Hugo, Zoë, José, Lucía, Mateo, Sofía, Diego, Valentina, João, Ana, Pedro, Lukas,
  Anna, Jonas, Lena, Finn, Marie, Björn, Astrid, Søren, Ingrid, Kwame, Amara, Chidi, Nia, Tariq,
  Layla, Yusuf, Zara, Daniel, Grace, Samuel, Hannah, David, Sarah, Michael, Emily, Thomas, Laura,
  Patrick, Siobhan, Aoife, Niamh, Ciarán, Rhys, Megan, Callum, Isla, Ethan, Ruby, Jack, Nora, Leo,
  Elena, Ivan, Olga, Dmitri, Katarzyna, Piotr, Agnieszka, Tomasz
`);

const LAST_NAMES: readonly string[] = words(`
  Smith, Johnson, Williams, Brown, Jones, Garcia, Miller, Davis, Rodriguez, Martinez, Hernandez,
  Lopez, Gonzalez, Wilson, Anderson, Thomas, Taylor, Moore, Jackson, Martin, Lee, Perez, Thompson,
  White, Harris, Clark, Lewis, Robinson, Walker, Young, Patel, Shah, Singh, Kumar, Gupta, Iyer,
  Khan, Ahmed, Hussain, Rahman, Chen, Wang, Li, Zhang, Liu, Tanaka, Suzuki, Sato, Kim, Park,
  Nguyen, Tran, Müller, Schmidt, Schneider, Fischer, Weber, Becker, Dubois, Lefèvre, Moreau,
  Laurent, Rossi, Russo, Bianchi, Silva, Santos, Oliveira, Pereira, Costa, Johansson, Andersson,
  Nielsen, Hansen, Larsen, Kowalski, Nowak, Wiśniewski, Ivanova, Petrov, O'Brien, O'Connor, Murphy,
  Kelly, MacDonald, Campbell, Stewart, Okafor, Adeyemi, Mensah, Van der Berg, De Vries, Jansen,
  Haddad, Nasser, Cohen, Levi, Novak, Horvat, Popescu
`);

const SERVICE_ACCOUNTS = [
  ["svc-backup", "Backup Service"],
  ["svc-hr-sync", "HR Sync Service"],
  ["svc-scan-to-email", "Scan to Email"],
  ["svc-monitoring", "Monitoring Agent"],
  ["svc-payroll-export", "Payroll Export"],
  ["svc-build", "Build Agent"],
] as const;

const PROJECTS = [
  ["project-apollo", "Project Apollo: the new customer portal", 0.06],
  ["project-orion", "Project Orion: data platform migration", 0.04],
  ["project-phoenix", "Project Phoenix: office move 2026", 0.03],
] as const;

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
  const groups: DemoGroup[] = [group("all-staff", "Everyone who works here (not service accounts)", humans)];
  for (const dept of DEPARTMENTS) {
    const members = humans.filter((u) => u.department === dept.name);
    if (members.length)
      groups.push(group(`dept-${dept.name.toLowerCase()}`, `${dept.name} department`, members));
  }
  groups.push(
    group(
      "people-managers",
      "Everyone with direct reports",
      managers.filter((u) => u.status === "active"),
    ),
  );
  if (admins.length) groups.push(group("it-admins", "Directory administrators", admins));
  const services = users.filter((u) => u.accountType === "service");
  if (services.length) groups.push(group("service-accounts", "Non-human accounts used by systems", services));
  for (const [name, description, share] of PROJECTS) {
    const members = humans.filter((u) => u.status === "active" && u.level !== "ceo" && chance(random, share));
    groups.push(group(name, description, members));
  }

  // --- licenses: one base plan per active person, add-ons for some ---
  const base = new Map<string, DemoUser[]>([
    ["M365_E5", []],
    ["M365_E3", []],
    ["M365_BUSINESS_PREMIUM", []],
    ["M365_F3", []],
  ]);
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
  const names: Record<string, string> = {
    M365_E5: "Microsoft 365 E5",
    M365_E3: "Microsoft 365 E3",
    M365_BUSINESS_PREMIUM: "Microsoft 365 Business Premium",
    M365_F3: "Microsoft 365 F3",
    POWER_BI_PRO: "Power BI Pro",
    VISIO_PLAN_2: "Visio Plan 2",
    PROJECT_PLAN_3: "Project Plan 3",
  };
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
    name: names[sku] ?? sku,
    totalSeats: seats,
    userIds: members.map((u) => u.id),
  }));

  return { users, groups, licenses };
}

// --- writing it ------------------------------------------------------------------------------

const USER_CHUNK = 2_000;
const LINK_CHUNK = 10_000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function insertUsers(tx: Executor, users: readonly DemoUser[]): Promise<void> {
  for (const chunk of chunks(users, USER_CHUNK)) {
    const payload = JSON.stringify(
      chunk.map(({ level: _level, ...u }) => ({
        id: u.id,
        email: u.email,
        display_name: u.displayName,
        first_name: u.firstName,
        last_name: u.lastName,
        username: u.username,
        department: u.department,
        job_title: u.jobTitle,
        manager_id: u.managerId,
        employee_id: u.employeeId,
        office: u.office,
        phone: u.phone,
        mobile: u.mobile,
        city: u.city,
        country: u.country,
        usage_location: u.usageLocation,
        attributes: u.attributes,
        status: u.status,
        account_type: u.accountType,
        must_change_password: u.mustChangePassword,
        last_login_at: u.lastLoginAt,
        created_at: u.createdAt,
        updated_at: u.updatedAt,
        disabled_at: u.disabledAt,
      })),
    );
    await tx.execute(sql`
      insert into users (id, email, display_name, first_name, last_name, username, department, job_title,
        manager_id, employee_id, office, phone, mobile, city, country, usage_location, attributes, status,
        account_type, must_change_password, last_login_at, created_at, updated_at, disabled_at)
      select id, email, display_name, first_name, last_name, username, department, job_title,
        manager_id, employee_id, office, phone, mobile, city, country, usage_location, attributes, status,
        account_type, must_change_password, last_login_at, created_at, updated_at, disabled_at
      from jsonb_to_recordset(${payload}::jsonb) as r(id uuid, email text, display_name text,
        first_name text, last_name text, username text, department text, job_title text, manager_id uuid,
        employee_id text, office text, phone text, mobile text, city text, country text,
        usage_location text, attributes jsonb, status text, account_type text,
        must_change_password boolean, last_login_at timestamptz, created_at timestamptz,
        updated_at timestamptz, disabled_at timestamptz)`);
  }
}

/** Inserts (group|license, user) pairs in chunks; `table` is one of two fixed names. */
async function insertLinks(
  tx: Executor,
  table: "group_members" | "license_assignments",
  pairs: ReadonlyArray<readonly [string, string]>,
  at: string,
): Promise<void> {
  const [ownerColumn, timeColumn] =
    table === "group_members" ? ["group_id", "added_at"] : ["license_id", "assigned_at"];
  for (const chunk of chunks(pairs, LINK_CHUNK)) {
    const payload = JSON.stringify(chunk.map(([owner, user]) => ({ o: owner, u: user })));
    await tx.execute(
      sql`insert into ${sql.identifier(table)} (${sql.identifier(ownerColumn)}, user_id, ${sql.identifier(timeColumn)})
          select o, u, ${at}::timestamptz from jsonb_to_recordset(${payload}::jsonb) as r(o uuid, u uuid)
          on conflict do nothing`,
    );
  }
}

export type SeedResult = { ok: true; summary: SeedSummary } | { ok: false; refusal: Refusal };

/** Seeds an empty directory; refuses (`seed.not_empty`) when users exist already. */
export async function seedDemo(db: Database, options: DemoOptions & { actor?: string }): Promise<SeedResult> {
  const org = generateDemoOrganisation(options);
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  const domain = (options.domain ?? DEFAULT_DEMO_DOMAIN).toLowerCase();
  const at = options.now.toISOString();

  return db.transaction(async (tx) => {
    // Two seeders at once on one PostgreSQL: the second waits, then sees the users and refuses.
    await tx.execute(sql`select pg_advisory_xact_lock(7265301450)`);
    const [existing] = await queryRows<{ n: number }>(tx, sql`select count(*)::int as n from users`);
    if ((existing?.n ?? 0) > 0) {
      return {
        ok: false as const,
        refusal: {
          code: "seed.not_empty",
          message: `The directory already has ${existing?.n} users; seed-demo only fills an empty directory (use a fresh --db).`,
        },
      };
    }

    await insertUsers(tx, org.users);

    // Groups: reuse same-named ones (case-insensitive), create the rest.
    const groupPayload = JSON.stringify(
      org.groups.map((g) => ({ id: g.id, name: g.name, description: g.description })),
    );
    await tx.execute(sql`
      insert into groups (id, name, description, created_at)
      select id, name, description, ${at}::timestamptz
      from jsonb_to_recordset(${groupPayload}::jsonb) as r(id uuid, name text, description text)
      on conflict do nothing`);
    const groupIds = new Map(
      (
        await queryRows<{ id: string; name: string }>(
          tx,
          sql`select id, lower(name) as name from groups where lower(name) in (select lower(value) from jsonb_array_elements_text(${JSON.stringify(org.groups.map((g) => g.name))}::jsonb))`,
        )
      ).map((row) => [row.name, row.id]),
    );
    const memberships = org.groups.flatMap((g) =>
      g.memberIds.map((userId) => [groupIds.get(g.name.toLowerCase())!, userId] as const),
    );
    await insertLinks(tx, "group_members", memberships, at);

    // Licenses: reuse same SKUs with seats raised to cover the assignments (nobody holds one yet).
    const licensePayload = JSON.stringify(
      org.licenses.map((l) => ({ id: l.id, sku: l.sku, name: l.name, seats: l.totalSeats })),
    );
    const storedLicenses = await queryRows<{ id: string; sku: string; name: string; total_seats: number }>(
      tx,
      sql`insert into licenses (id, sku, name, total_seats, created_at)
          select id, sku, name, seats, ${at}::timestamptz
          from jsonb_to_recordset(${licensePayload}::jsonb) as r(id uuid, sku text, name text, seats int)
          on conflict ((upper(sku))) do update set total_seats = greatest(licenses.total_seats, excluded.total_seats)
          returning id, sku, name, total_seats`,
    );
    const licenseBySku = new Map(storedLicenses.map((row) => [row.sku.toUpperCase(), row]));
    const assignments = org.licenses.flatMap((l) =>
      l.userIds.map((userId) => [licenseBySku.get(l.sku.toUpperCase())!.id, userId] as const),
    );
    await insertLinks(tx, "license_assignments", assignments, at);

    const summary: SeedSummary = {
      seed,
      domain,
      users: org.users.length,
      active: org.users.filter((u) => u.status === "active").length,
      disabled: org.users.filter((u) => u.status === "disabled").length,
      neverSignedIn: org.users.filter((u) => u.lastLoginAt === null).length,
      admins: org.users.filter((u) => u.accountType === "admin").length,
      serviceAccounts: org.users.filter((u) => u.accountType === "service").length,
      departments: Object.fromEntries(
        [...new Set(org.users.map((u) => u.department))].map((d) => [
          d,
          org.users.filter((u) => u.department === d).length,
        ]),
      ),
      groups: org.groups.length,
      memberships: memberships.length,
      licenses: org.licenses.map((l) => {
        const stored = licenseBySku.get(l.sku.toUpperCase())!;
        return {
          sku: stored.sku,
          name: stored.name,
          totalSeats: Number(stored.total_seats),
          assignedSeats: l.userIds.length,
        };
      }),
      assignments: assignments.length,
    };

    await tx.execute(sql`
      insert into audit_log (actor, source, action, target, after, at)
      values (${options.actor ?? "cli"}, 'cli', 'seed-demo', ${domain},
              ${JSON.stringify({ users: summary.users, groups: summary.groups, licenses: summary.licenses.length, seed })}::jsonb,
              ${at}::timestamptz)`);
    return { ok: true as const, summary };
  });
}
