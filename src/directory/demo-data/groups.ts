// The demo organisation's groups and non-human accounts: the standard groups' descriptions, the service
// accounts, and the project groups (with the share of active people in each).

export const GROUP_DESCRIPTIONS = {
  "all-staff": "Everyone who works here (not service accounts)",
  "people-managers": "Everyone with direct reports",
  "it-admins": "Directory administrators",
  "service-accounts": "Non-human accounts used by systems",
} as const;

export const SERVICE_ACCOUNTS = [
  ["svc-backup", "Backup Service"],
  ["svc-hr-sync", "HR Sync Service"],
  ["svc-scan-to-email", "Scan to Email"],
  ["svc-monitoring", "Monitoring Agent"],
  ["svc-payroll-export", "Payroll Export"],
  ["svc-build", "Build Agent"],
] as const;

export const PROJECTS = [
  ["project-apollo", "Project Apollo: the new customer portal", 0.06],
  ["project-orion", "Project Orion: data platform migration", 0.04],
  ["project-phoenix", "Project Phoenix: office move 2026", 0.03],
] as const;
