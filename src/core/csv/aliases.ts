// Which header names mean which field. Pure data plus the key function that both the table and
// the header mapper use, so an alias is written here once, readably, exactly as vendors spell it.
import type { Field } from "../types.ts";

/**
 * The comparison key of a header name: lower-case letters and digits only. Spaces, `_`, `-`, `.`,
 * `/`, `*`, `#` and the like carry no meaning across exporters ("E-mail", "Email_Address",
 * "Country/Region"), so they are dropped rather than listed alias by alias.
 */
export function headerKey(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
}

/**
 * Aliases per field, in tiers: when two columns of one file map to the same field, the one from the
 * earlier tier is used and the other is ignored with a warning; two columns from the same tier are a
 * `csv.duplicate_column` refusal (we cannot know which one the user meant).
 *
 * Tiers exist for exports that legitimately carry the same thing twice:
 * - e-mail: an explicit UPN beats Okta's `login`, which beats an e-mail column, which beats AD's LDAP
 *   `mail`, which beats a bare `Username` (Microsoft 365 admin center's UPN column, see FALLBACKS).
 *   The UPN/login is what the person signs in with, so it is the key we want; `mail` can be a
 *   shared alias or empty for accounts without a mailbox.
 * - AD `Get-ADUser -Properties *` exports carry both PowerShell's friendly names and the LDAP
 *   attribute names for the same value (`Surname`/`sn`, `City`/`l`, `Office`/`physicalDeliveryOfficeName`,
 *   `OfficePhone`/`telephoneNumber`, `MobilePhone`/`mobile`, `Country`/`c`/`co`, `State`/`st`): the
 *   friendly name wins, the LDAP twin is ignored.
 * - `SamAccountName` beats `Name` for the username: in AD, `Name` is the CN (a display name), while in
 *   Outlook's template `Name` is the mailbox name, which is why `Name` maps to username at all.
 */
const TIERS: { readonly [F in Field]?: readonly (readonly string[])[] } = {
  email: [
    ["UserPrincipalName", "UPN"],
    ["login", "Login Name", "Sign-in Name"],
    ["Email", "Email Address", "Primary Email", "Work Email"],
    ["mail"],
    ["Username"],
  ],
  displayName: [["DisplayName", "Full Name"]],
  firstName: [["FirstName", "GivenName", "First", "Forename"]],
  lastName: [["LastName", "Surname", "Family Name", "Last"], ["sn"]],
  username: [["SamAccountName", "mailNickname", "Alias"], ["Name"]],
  department: [["Department", "Dept"]],
  jobTitle: [["JobTitle", "Title", "Employee Title", "Position"]],
  manager: [["Manager Email", "Manager UPN", "ManagerId", "Manager Login"], ["Manager"]],
  employeeId: [["EmployeeID", "Employee No"], ["employeeNumber"]],
  office: [["Office", "Office Number", "Office Location", "Building"], ["physicalDeliveryOfficeName"]],
  phone: [
    ["Phone", "Office Phone", "Work Phone", "Primary Phone", "Business Phone", "Phone Number"],
    ["telephoneNumber"],
  ],
  mobile: [["MobilePhone", "Mobile Number", "Cell Phone"], ["mobile"]],
  city: [["City", "Town"], ["l"]],
  country: [["Country", "Country or Region", "Country Region", "Country Code"], ["c"], ["co"]],
  usageLocation: [["Usage Location"]],

  password: [["Password", "Initial Password", "Temporary Password", "Temp Password"]],
  forceChangePassword: [
    [
      "ForceChangePassword",
      "Must Change Password",
      "Change Password at Next Sign-In",
      "Change Password at Next Logon",
      "Change Password at Next Login",
      "ChangePasswordAtLogon",
    ],
  ],
  blockSignIn: [["Block sign in", "Block credential", "Blocked"]],
  license: [["License", "Licenses", "SKU", "License SKU"]],
  removeLicense: [["Remove License", "Old License", "License to Remove"]],
  group: [["Group", "Groups", "Group Name"]],
  effectiveDate: [["EffectiveDate", "Effective On", "Effective From", "Run At", "Scheduled For"]],
  lastDay: [
    [
      "LastDay",
      "Last Working Day",
      "Last Day of Work",
      "Leave Date",
      "Leaving Date",
      "Termination Date",
      "Exit Date",
    ],
  ],
  disabledPlans: [["DisabledPlans", "Disabled Service Plans"]],
  enablePlans: [["EnablePlans", "Plans to Enable", "Enable Service Plans"]],
  disablePlans: [["DisablePlans", "Plans to Disable", "Disable Service Plans"]],

  company: [["Company", "Organization", "Company Name"]],
  postalCode: [["PostalCode", "ZIP", "ZIP Code", "ZIP or Postal Code", "Postcode"]],
  state: [["State", "State or Province", "Province"], ["st"]],
  streetAddress: [["Street Address", "Address", "Street"], ["Work Address"]],
  fax: [["Fax", "Fax Number"], ["facsimileTelephoneNumber"]],
  homePhone: [["HomePhone"]],
  initials: [["Initials"]],
  notes: [["Notes", "Note"]],
  webPage: [["WebPage", "Website", "wWWHomePage"]],
  mailboxPlan: [["MailboxPlan"]],
  costCenter: [["Cost Center", "Cost Centre"]],
  division: [["Division"]],
  employeeType: [["Employee Type", "userType"]],
  // The address a hire reads before their mailbox exists. Google Workspace exports it as
  // `Home Secondary Email`, Entra as `otherMails` (its alternate e-mail list), HR systems as personal /
  // private e-mail. Google's `Work Secondary Email` is deliberately absent: it is another work mailbox.
  personalEmail: [
    [
      "Personal Email",
      "Personal Email Address",
      "Private Email",
      "Home Email",
      "Home Secondary Email",
      "Secondary Email",
      "Alternate Email",
      "Alternate Email Address",
      "otherMails",
    ],
    // Google exports carry both; the recovery address is the fallback.
    ["Recovery Email"],
  ],
  startDate: [
    ["Start Date", "Hire Date", "employeeHireDate", "Date of Hire", "First Day", "Joining Date", "Join Date"],
  ],
  ...Object.fromEntries(
    Array.from({ length: 15 }, (_, i) => [
      `customAttribute${i + 1}`,
      [[`CustomAttribute${i + 1}`], [`extensionAttribute${i + 1}`]],
    ]),
  ),
};

/**
 * When a header loses the contest for its field, it may take another field instead. `Username` is
 * the UPN in the Microsoft 365 admin center template (so it is the e-mail when nothing better is
 * there), but next to an `Email` column it is a short login, i.e. our `username` field.
 */
const FALLBACKS: Readonly<Record<string, Field>> = { username: "username" };

/**
 * Entra templates name the field in brackets: `User name [userPrincipalName] Required`. Most
 * property names are ordinary aliases; these are the ones whose meaning differs from the bare word.
 * `accountEnabled` is special-cased in headers.ts because Entra's column is "Block sign in".
 */
const ENTRA_PROPERTIES: Readonly<Record<string, Field>> = {
  passwordprofile: "password",
  physicaldeliveryofficename: "office",
  telephonenumber: "phone",
  mobile: "mobile",
  surname: "lastName",
};

/** Columns we produce or that other tools add with a row's outcome: ignored without a word. */
// Our results CSV and Outlook's ImportErrors.csv (status columns), and the read-only columns of our own
// export (so export → edit → re-upload reads clean).
const SILENT: ReadonlySet<string> = new Set([
  "failurereason",
  "status",
  "reason",
  "welcome",
  "lastsignin",
  "assignedlicenses",
  "disabledplansbylicense",
  "memberof",
  "created",
]);

/** Columns we recognise but deliberately do not read, with the reason given in the warning. */
const KNOWN_IGNORED: Readonly<Record<string, string>> = {
  enabled:
    "it means the opposite of Block sign in; add a 'Block sign in' column (Yes = blocked) or use the disable operation",
  accountenabled:
    "it means the opposite of Block sign in; add a 'Block sign in' column (Yes = blocked) or use the disable operation",
  objectid: "users are matched by their e-mail / user principal name, not by object id",
  passwordhashfunction: "password hashes cannot be imported; the Password column is read as plain text",
  orgunitpath: "organisational units are not supported",
  newprimaryemail: "renaming users is not supported",
  newstatus: "use the disable and enable operations to change a user's status",
};

export interface Alias {
  field: Field;
  /** Lower wins when two columns claim the same field. */
  tier: number;
  /** Field to take instead when the column loses the contest for `field`. */
  fallback?: Field;
}

function buildAliases(): ReadonlyMap<string, Alias> {
  const map = new Map<string, Alias>();
  for (const [field, tiers] of Object.entries(TIERS) as [Field, readonly (readonly string[])[]][]) {
    tiers.forEach((names, tier) => {
      for (const name of names) {
        const key = headerKey(name);
        const existing = map.get(key);
        // A key in two places would make the mapping depend on declaration order: fail loudly at load.
        if (existing) throw new Error(`alias '${name}' is declared for both ${existing.field} and ${field}`);
        const fallback = FALLBACKS[key];
        map.set(key, fallback ? { field, tier, fallback } : { field, tier });
      }
    });
  }
  return map;
}

export const ALIASES: ReadonlyMap<string, Alias> = buildAliases();

export function lookupAlias(key: string): Alias | undefined {
  return ALIASES.get(key);
}

/** An Entra bracketed property name (already a key), or undefined when it is not a field. */
export function lookupEntraProperty(key: string): Alias | undefined {
  const field = ENTRA_PROPERTIES[key];
  // Bracketed names are explicit, so the LDAP-twin tiers do not apply to them.
  if (field) return { field, tier: 0 };
  return ALIASES.get(key);
}

export function isSilentlyIgnored(key: string): boolean {
  return SILENT.has(key);
}

export function knownIgnoredReason(key: string): string | undefined {
  return Object.hasOwn(KNOWN_IGNORED, key) ? KNOWN_IGNORED[key] : undefined;
}
