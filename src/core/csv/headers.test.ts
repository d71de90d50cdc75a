import { describe, expect, it } from "vitest";
import { ATTRIBUTE_FIELDS, CONTROL_FIELDS, type Field, USER_FIELDS } from "../types.ts";
import { ALIASES } from "./aliases.ts";
import { interpretHeader, mapHeaders } from "./headers.ts";

/** header → field (null when ignored), plus warnings; throws on a refusal. */
function mapped(header: string[]) {
  const result = mapHeaders(header);
  if (!result.ok) throw new Error(`refused: ${result.refusal.message}`);
  return {
    fields: Object.fromEntries(result.map.columns.map((c) => [c.header, c.field])),
    warnings: result.map.warnings,
  };
}

const fieldOf = (header: string): Field | null => {
  const meaning = interpretHeader(header);
  return meaning.kind === "field" ? meaning.alias.field : null;
};

describe("header normalisation", () => {
  it.each([
    ["UserPrincipalName", "email"],
    ["userprincipalname", "email"],
    ["USER PRINCIPAL NAME", "email"],
    ["user_principal_name", "email"],
    ["User-Principal-Name", "email"],
    ["user.principal.name", "email"],
    ["  DisplayName  ", "displayName"],
    ["Display Name*", "displayName"],
    ["Display Name Required", "displayName"],
    ["DisplayName [Required]", "displayName"],
    ["Password Hash Function [UPLOAD ONLY]", null],
    ["Block sign in (Yes/No)", "blockSignIn"],
    ["Email Address [Required]", "email"],
    ["Recovery Phone [MUST BE IN THE E.164 FORMAT]", null],
    ["\uFEFFEmail", "email"],
  ] as const)("%j → %s", (header, field) => {
    expect(fieldOf(header)).toBe(field);
  });

  it("uses an Entra bracketed property over the visible label", () => {
    expect(fieldOf("Name [displayName] Required")).toBe("displayName"); // not Outlook's Name → username
    expect(fieldOf("User name [userPrincipalName] Required")).toBe("email");
    expect(fieldOf("Initial password [passwordProfile] Required")).toBe("password");
    expect(fieldOf("Office [physicalDeliveryOfficeName]")).toBe("office");
    expect(fieldOf("Office phone [telephoneNumber]")).toBe("phone");
    expect(fieldOf("Name (example: Chris Green) [displayName]*")).toBe("displayName"); // older template
  });

  it("maps Entra's 'Block sign in … [accountEnabled]' to blockSignIn, and any other accountEnabled nowhere", () => {
    expect(fieldOf("Block sign in (Yes/No) [accountEnabled] Required")).toBe("blockSignIn");
    expect(interpretHeader("Account enabled [accountEnabled]")).toMatchObject({ kind: "ignored" });
    expect(interpretHeader("accountEnabled")).toMatchObject({ kind: "ignored" });
    expect(interpretHeader("Enabled")).toMatchObject({ kind: "ignored" });
  });

  it("classifies our results columns as silently ignored", () => {
    for (const header of ["Failure Reason", "Status", "Reason", "status"]) {
      expect(interpretHeader(header)).toEqual({ kind: "silent" });
    }
  });

  it("silently ignores the read-only columns of our own export", () => {
    for (const header of [
      "Last Sign-In",
      "Assigned Licenses",
      "Disabled Plans by License",
      "Member Of",
      "Created",
    ]) {
      expect(interpretHeader(header)).toEqual({ kind: "silent" });
    }
  });

  it("declares every alias key once, and reaches every field through some alias", () => {
    const reached = new Set([...ALIASES.values()].map((alias) => alias.field));
    for (const field of [...USER_FIELDS, ...CONTROL_FIELDS, ...ATTRIBUTE_FIELDS])
      expect(reached).toContain(field);
  });
});

describe("vendor templates", () => {
  it("seed template", () => {
    const { fields, warnings } = mapped([
      "UserPrincipalName",
      "DisplayName",
      "Password",
      "FirstName",
      "LastName",
      "Department",
      "JobTitle",
      "Manager",
      "License",
    ]);
    expect(Object.values(fields)).toEqual([
      "email",
      "displayName",
      "password",
      "firstName",
      "lastName",
      "department",
      "jobTitle",
      "manager",
      "license",
    ]);
    expect(warnings).toEqual([]);
  });

  it("Entra bulk create", () => {
    const { fields, warnings } = mapped([
      "Name [displayName] Required",
      "User name [userPrincipalName] Required",
      "Initial password [passwordProfile] Required",
      "Block sign in (Yes/No) [accountEnabled] Required",
      "First name [givenName]",
      "Last name [surname]",
      "Job title [jobTitle]",
      "Department [department]",
      "Usage location [usageLocation]",
      "Street address [streetAddress]",
      "State or province [state]",
      "Country or region [country]",
      "Office [physicalDeliveryOfficeName]",
      "City [city]",
      "ZIP or postal code [postalCode]",
      "Office phone [telephoneNumber]",
      "Mobile phone [mobile]",
    ]);
    expect(Object.values(fields)).toEqual([
      "displayName",
      "email",
      "password",
      "blockSignIn",
      "firstName",
      "lastName",
      "jobTitle",
      "department",
      "usageLocation",
      "streetAddress",
      "state",
      "country",
      "office",
      "city",
      "postalCode",
      "phone",
      "mobile",
    ]);
    expect(warnings).toEqual([]);
  });

  it("Entra bulk update: the object id is ignored with a reason", () => {
    const { fields, warnings } = mapped(["Object ID [objectId] Required", "User name [userPrincipalName]"]);
    expect(fields).toEqual({
      "Object ID [objectId] Required": null,
      "User name [userPrincipalName]": "email",
    });
    expect(warnings).toEqual([
      "Column 'Object ID [objectId] Required' was ignored: users are matched by their e-mail / user principal name, not by object id.",
    ]);
  });

  it("Microsoft 365 admin center: User Name is the UPN", () => {
    const { fields, warnings } = mapped([
      "User Name",
      "First Name",
      "Last Name",
      "Display Name",
      "Job Title",
      "Department",
      "Office Number",
      "Office Phone",
      "Mobile Phone",
      "Fax",
      "Alternate email address",
      "Address",
      "City",
      "State or Province",
      "ZIP or Postal Code",
      "Country or Region",
    ]);
    expect(Object.values(fields)).toEqual([
      "email",
      "firstName",
      "lastName",
      "displayName",
      "jobTitle",
      "department",
      "office",
      "phone",
      "mobile",
      "fax",
      // The admin center's name for Entra's otherMails: where welcome messages go.
      "personalEmail",
      "streetAddress",
      "city",
      "state",
      "postalCode",
      "country",
    ]);
    expect(warnings).toEqual([]);
  });

  it("Outlook Live: Name is the username, Title the job title", () => {
    const { fields, warnings } = mapped([
      "Name",
      "EmailAddress",
      "FirstName",
      "LastName",
      "Password",
      "DisplayName",
      "ForceChangePassword",
      "CustomAttribute1",
      "CustomAttribute15",
      "MailboxPlan",
      "City",
      "Company",
      "CountryorRegion",
      "Department",
      "Fax",
      "HomePhone",
      "Initials",
      "MobilePhone",
      "Notes",
      "Office",
      "Phone",
      "PostalCode",
      "Title",
      "WebPage",
    ]);
    expect(Object.values(fields)).toEqual([
      "username",
      "email",
      "firstName",
      "lastName",
      "password",
      "displayName",
      "forceChangePassword",
      "customAttribute1",
      "customAttribute15",
      "mailboxPlan",
      "city",
      "company",
      "country",
      "department",
      "fax",
      "homePhone",
      "initials",
      "mobile",
      "notes",
      "office",
      "phone",
      "postalCode",
      "jobTitle",
      "webPage",
    ]);
    expect(warnings).toEqual([]);
  });

  it("Google Workspace", () => {
    const { fields } = mapped([
      "First Name [Required]",
      "Last Name [Required]",
      "Email Address [Required]",
      "Password [Required]",
      "Password Hash Function [UPLOAD ONLY]",
      "Org Unit Path [Required]",
      "New Primary Email [UPLOAD ONLY]",
      "Work Phone",
      "Home Phone",
      "Mobile Phone",
      "Work Address",
      "Employee ID",
      "Employee Type",
      "Employee Title",
      "Manager Email",
      "Department",
      "Cost Center",
      "Change Password at Next Sign-In",
      "New Status [UPLOAD ONLY]",
    ]);
    expect(Object.values(fields)).toEqual([
      "firstName",
      "lastName",
      "email",
      "password",
      null,
      null,
      null,
      "phone",
      "homePhone",
      "mobile",
      "streetAddress",
      "employeeId",
      "employeeType",
      "jobTitle",
      "manager",
      "department",
      "costCenter",
      "forceChangePassword",
      null,
    ]);
  });

  it("Okta", () => {
    const { fields } = mapped([
      "login",
      "firstName",
      "lastName",
      "displayName",
      "title",
      "department",
      "managerId",
      "employeeNumber",
      "mobilePhone",
      "primaryPhone",
      "city",
      "countryCode",
      "organization",
      "costCenter",
      "division",
      "userType",
    ]);
    expect(Object.values(fields)).toEqual([
      "email",
      "firstName",
      "lastName",
      "displayName",
      "jobTitle",
      "department",
      "manager",
      "employeeId",
      "mobile",
      "phone",
      "city",
      "country",
      "company",
      "costCenter",
      "division",
      "employeeType",
    ]);
  });

  it("AD exports, LDAP names alone", () => {
    const { fields } = mapped([
      "sn",
      "mail",
      "l",
      "c",
      "physicalDeliveryOfficeName",
      "telephoneNumber",
      "mobile",
    ]);
    expect(Object.values(fields)).toEqual([
      "lastName",
      "email",
      "city",
      "country",
      "office",
      "phone",
      "mobile",
    ]);
  });

  it("generic names", () => {
    for (const [header, field] of [
      ["Email", "email"],
      ["E-mail", "email"],
      ["Login", "email"],
      ["UPN", "email"],
      ["Username", "email"],
      ["Group", "group"],
      ["Groups", "group"],
      ["Group Name", "group"],
      ["Licenses", "license"],
      ["SKU", "license"],
      ["Remove License", "removeLicense"],
      ["Old License", "removeLicense"],
      ["Must Change Password", "forceChangePassword"],
      ["BlockSignIn", "blockSignIn"],
      ["Block credential", "blockSignIn"],
    ] as const) {
      expect(fieldOf(header), header).toBe(field);
    }
  });
});

describe("mapHeaders", () => {
  it("prefers the UPN over mail/EmailAddress and ignores the others with a warning", () => {
    const { fields, warnings } = mapped(["mail", "UserPrincipalName", "EmailAddress"]);
    expect(fields).toEqual({ mail: null, UserPrincipalName: "email", EmailAddress: null });
    expect(warnings).toEqual([
      "Column 'mail' was ignored: 'UserPrincipalName' is used for email.",
      "Column 'EmailAddress' was ignored: 'UserPrincipalName' is used for email.",
    ]);
  });

  it("prefers Okta's login over email", () => {
    expect(mapped(["email", "login"]).fields).toEqual({ email: null, login: "email" });
  });

  it("reads Username as the username when an e-mail column is present, as the e-mail otherwise", () => {
    expect(mapped(["Username", "Email"]).fields).toEqual({ Username: "username", Email: "email" });
    expect(mapped(["User Name", "Department"]).fields).toEqual({
      "User Name": "email",
      Department: "department",
    });
    const both = mapped(["Username", "Email", "SamAccountName"]);
    expect(both.fields).toEqual({ Username: null, Email: "email", SamAccountName: "username" });
    expect(both.warnings).toEqual(["Column 'Username' was ignored: 'Email' is used for email."]);
  });

  it("prefers SamAccountName over AD's Name for the username", () => {
    expect(mapped(["Name", "SamAccountName"]).fields).toEqual({ Name: null, SamAccountName: "username" });
  });

  it("refuses two columns of the same rank for one field, naming both", () => {
    const result = mapHeaders(["Email", "Department", "E-mail Address"]);
    expect(result).toEqual({
      ok: false,
      refusal: {
        code: "csv.duplicate_column",
        message:
          "Columns 'Email' and 'E-mail Address' both map to email; keep only one of them and upload the file again.",
      },
    });
    expect(mapHeaders(["License", "Licenses"])).toMatchObject({
      ok: false,
      refusal: { code: "csv.duplicate_column" },
    });
    expect(mapHeaders(["Dept", "Department"])).toMatchObject({
      ok: false,
      refusal: { code: "csv.duplicate_column" },
    });
  });

  it("ignores unknown columns with a warning naming them, and results columns silently", () => {
    const { fields, warnings } = mapped(["Failure Reason", "Status", "Email", "Nickname", "Reason"]);
    expect(fields).toEqual({
      "Failure Reason": null,
      Status: null,
      Email: "email",
      Nickname: null,
      Reason: null,
    });
    expect(warnings).toEqual(["Column 'Nickname' is not recognised and was ignored."]);
  });

  it("warns about an unnamed column in the middle, not about trailing empty header cells", () => {
    const result = mapHeaders(["Email", "", "Department", "", ""]);
    expect(result).toMatchObject({
      ok: true,
      map: { width: 3, warnings: ["Column 2 has no header and was ignored."] },
    });
  });

  it("says so when the first row looks like data", () => {
    expect(mapped(["ann@example.com", "Ann"]).warnings).toContain(
      "The first row looks like data rather than column names: is the header row missing?",
    );
  });
});

describe("welcome-message columns", () => {
  it.each([
    ["Home Secondary Email", "personalEmail"], // Google Workspace export
    ["Alternate email address [otherMails]", "personalEmail"], // Entra, bracketed property
    ["otherMails", "personalEmail"],
    ["Personal Email", "personalEmail"],
    ["Private E-mail", "personalEmail"],
    ["Start Date", "startDate"],
    ["Employee hire date [employeeHireDate]", "startDate"],
  ])("maps %s to %s", (header, field) => {
    expect(fieldOf(header)).toBe(field);
  });

  it("keeps Google's Work Secondary Email away from the personal address", () => {
    expect(fieldOf("Work Secondary Email")).not.toBe("personalEmail");
  });

  it("reads a Google export with both the primary and the home address", () => {
    expect(mapped(["Email Address [Required]", "Home Secondary Email"]).fields).toEqual({
      "Email Address [Required]": "email",
      "Home Secondary Email": "personalEmail",
    });
  });
});
