// The demo organisation's licenses: every active person gets one base plan (which one depends on their
// department and level, see the generator), some get add-ons.

/** Base plans, in the order their licenses are created (ids come from the seeded stream in this order). */
export const BASE_PLANS = ["M365_E5", "M365_E3", "M365_BUSINESS_PREMIUM", "M365_F3"] as const;

export const LICENSE_NAMES: Readonly<Record<string, string>> = {
  M365_E5: "Microsoft 365 E5",
  M365_E3: "Microsoft 365 E3",
  M365_BUSINESS_PREMIUM: "Microsoft 365 Business Premium",
  M365_F3: "Microsoft 365 F3",
  POWER_BI_PRO: "Power BI Pro",
  VISIO_PLAN_2: "Visio Plan 2",
  PROJECT_PLAN_3: "Project Plan 3",
};
