// The one Drizzle schema: the directory (users, groups, licenses), the operation pipeline (plans, jobs,
// job items, audit) and the scheduler (schedules, cron runs). drizzle-kit generates migrations from it.
// Every column that holds user data is text: ZIP codes, employee ids and phone numbers are never numbers.
import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigserial,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { InactivityAction } from "../core/inactivity.ts";

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
});

const at = (name: string) => timestamp(name, { withTimezone: true, mode: "string" });

// --- directory -------------------------------------------------------------------------------

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    displayName: text("display_name").notNull(),
    firstName: text("first_name"),
    lastName: text("last_name"),
    username: text("username"),
    department: text("department"),
    jobTitle: text("job_title"),
    managerId: uuid("manager_id").references((): AnyPgColumn => users.id, { onDelete: "set null" }),
    employeeId: text("employee_id"),
    office: text("office"),
    phone: text("phone"),
    mobile: text("mobile"),
    city: text("city"),
    country: text("country"),
    usageLocation: text("usage_location"),
    attributes: jsonb("attributes").$type<Record<string, string>>().notNull().default({}),
    status: text("status", { enum: ["active", "disabled", "deleted"] })
      .notNull()
      .default("active"),
    /** `user` | `admin` | `service`: admins and service accounts are never deactivated automatically. */
    accountType: text("account_type", { enum: ["user", "admin", "service"] })
      .notNull()
      .default("user"),
    mustChangePassword: boolean("must_change_password").notNull().default(true),
    passwordHash: text("password_hash"),
    lastLoginAt: at("last_login_at"),
    createdAt: at("created_at").notNull().defaultNow(),
    updatedAt: at("updated_at").notNull().defaultNow(),
    disabledAt: at("disabled_at"),
    deletedAt: at("deleted_at"),
  },
  (t) => [
    uniqueIndex("users_email_key").on(t.email),
    check("users_email_lower", sql`${t.email} = lower(${t.email})`),
    index("users_manager_idx").on(t.managerId),
    index("users_status_last_login_idx").on(t.status, t.lastLoginAt),
  ],
);
export type UserRow = typeof users.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;

export const groups = pgTable(
  "groups",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    description: text("description"),
    createdAt: at("created_at").notNull().defaultNow(),
  },
  (t) => [uniqueIndex("groups_name_key").on(sql`lower(${t.name})`)],
);
export type GroupRow = typeof groups.$inferSelect;

export const groupMembers = pgTable(
  "group_members",
  {
    groupId: uuid("group_id")
      .notNull()
      .references(() => groups.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    addedAt: at("added_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.userId] }), index("group_members_user_idx").on(t.userId)],
);

export const licenses = pgTable(
  "licenses",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    sku: text("sku").notNull(),
    name: text("name").notNull(),
    totalSeats: integer("total_seats").notNull(),
    /** The SKU's service plans (e.g. EXCHANGE_S_ENTERPRISE, TEAMS1), as Entra names them. */
    servicePlans: jsonb("service_plans").$type<string[]>().notNull().default([]),
    createdAt: at("created_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("licenses_sku_key").on(sql`upper(${t.sku})`),
    check("licenses_seats_nonnegative", sql`${t.totalSeats} >= 0`),
  ],
);
export type LicenseRow = typeof licenses.$inferSelect;

export const licenseAssignments = pgTable(
  "license_assignments",
  {
    licenseId: uuid("license_id")
      .notNull()
      .references(() => licenses.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    assignedAt: at("assigned_at").notNull().defaultNow(),
    /** Service plans of the license switched off for this user (Entra's disabledPlans). */
    disabledPlans: jsonb("disabled_plans").$type<string[]>().notNull().default([]),
  },
  (t) => [
    primaryKey({ columns: [t.licenseId, t.userId] }),
    index("license_assignments_user_idx").on(t.userId),
  ],
);

// --- operations ------------------------------------------------------------------------------

export const plans = pgTable(
  "plans",
  {
    id: text("id").primaryKey(),
    operation: text("operation").notNull(),
    source: text("source", { enum: ["slack", "api", "cli", "schedule"] }).notNull(),
    actor: text("actor").notNull(),
    fileName: text("file_name"),
    /** The uploaded bytes: results CSVs re-emit the original columns from them. */
    file: bytea("file"),
    header: jsonb("header").$type<string[]>().notNull(),
    summary: jsonb("summary").$type<{ change: number; skip: number; error: number }>().notNull(),
    warnings: jsonb("warnings").$type<string[]>().notNull(),
    options: jsonb("options").$type<Record<string, unknown>>().notNull().default({}),
    /** Passwords supplied in the file, sealed (AES-256-GCM); never plain text at rest. */
    secrets: text("secrets"),
    /** Where the plan came from in Slack (channel, thread, user), to report back there. */
    context: jsonb("context").$type<Record<string, unknown>>().notNull().default({}),
    status: text("status", { enum: ["pending", "confirmed", "expired", "cancelled"] })
      .notNull()
      .default("pending"),
    createdAt: at("created_at").notNull().defaultNow(),
    expiresAt: at("expires_at").notNull(),
  },
  (t) => [index("plans_expires_idx").on(t.status, t.expiresAt)],
);
export type PlanRecord = typeof plans.$inferSelect;

/**
 * A plan's rows, one per data record: kept in their own table so a 50,000-row plan is written in chunks,
 * previewed a page at a time, and read by the executor a batch at a time.
 *
 * No foreign key to `plans`, on purpose: a plan's rows are only ever written by savePlan, in the
 * transaction that inserts the plan, and plans are never deleted (they expire). A foreign key checked
 * each of 150,000 rows against a plan inserted a moment before — one lookup a row, 0.28 s of a 50,000-row
 * COPY of 0.85 s — and guarded against nothing that can happen.
 */
export const planRows = pgTable(
  "plan_rows",
  {
    planId: text("plan_id").notNull(),
    row: integer("row").notNull(),
    line: integer("line").notNull(),
    /** Position in the execution order (creates after their in-file managers); null for skip/error rows. */
    seq: integer("seq"),
    key: text("key").notNull(),
    outcome: text("outcome", { enum: ["change", "skip", "error"] }).notNull(),
    reason: text("reason").notNull(),
    changes: jsonb("changes").notNull(),
    action: jsonb("action"),
  },
  (t) => [
    primaryKey({ columns: [t.planId, t.row] }),
    // The executor walks a plan's change rows in execution order, a batch at a time (seq > last).
    index("plan_rows_seq_idx").on(t.planId, t.seq).where(sql`${t.seq} is not null`),
  ],
);

export const jobs = pgTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    /** The idempotency key: one plan, one job, however often it is confirmed. */
    planId: text("plan_id")
      .notNull()
      .references(() => plans.id),
    operation: text("operation").notNull(),
    status: text("status", {
      enum: ["queued", "running", "succeeded", "completed_with_errors", "failed", "cancelled"],
    })
      .notNull()
      .default("queued"),
    source: text("source", { enum: ["slack", "api", "cli", "schedule"] }).notNull(),
    requestedBy: text("requested_by").notNull(),
    approvedBy: text("approved_by").notNull(),
    total: integer("total").notNull().default(0),
    processed: integer("processed").notNull().default(0),
    succeeded: integer("succeeded").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    skipped: integer("skipped").notNull().default(0),
    slackChannel: text("slack_channel"),
    slackThreadTs: text("slack_thread_ts"),
    slackProgressTs: text("slack_progress_ts"),
    leaseOwner: text("lease_owner"),
    leaseExpiresAt: at("lease_expires_at"),
    undoOf: text("undo_of"),
    error: text("error"),
    /** When the final report (summary + results CSV) reached its destination. */
    reportedAt: at("reported_at"),
    /** The reporter's bookkeeping (e.g. which steps of the final report are done), so retries never repeat one. */
    report: jsonb("report").$type<Record<string, unknown>>().notNull().default({}),
    queuedAt: at("queued_at").notNull().defaultNow(),
    startedAt: at("started_at"),
    finishedAt: at("finished_at"),
  },
  (t) => [
    uniqueIndex("jobs_plan_key").on(t.planId),
    index("jobs_status_queued_idx").on(t.status, t.queuedAt),
  ],
);
export type JobRecord = typeof jobs.$inferSelect;

/**
 * One item per row of a job, with its outcome. No foreign key to `jobs`, on purpose (like plan_rows): items
 * are written only by confirmPlan (in the transaction that inserts the job) and by the executor's batches
 * for the job it holds the lease of, and jobs are never deleted; the key's per-row lookup cost 28 ms of
 * every 5,000-row batch.
 */
export const jobItems = pgTable(
  "job_items",
  {
    jobId: text("job_id").notNull(),
    row: integer("row").notNull(),
    line: integer("line").notNull(),
    /** Position in the execution order (creates after their in-file managers). */
    seq: integer("seq").notNull(),
    key: text("key").notNull(),
    action: text("action").notNull(),
    status: text("status", { enum: ["pending", "succeeded", "failed", "skipped"] }).notNull(),
    reason: text("reason").notNull().default(""),
    /** Values before and after the change: what undo restores. Never a password. */
    before: jsonb("before"),
    after: jsonb("after"),
    userId: uuid("user_id"),
    processedAt: at("processed_at"),
  },
  // A change row's item is written when its batch commits (with its outcome); confirm writes only the rows
  // that will not run (skipped, failed). Items of jobs confirmed before that were written as 'pending'.
  (t) => [primaryKey({ columns: [t.jobId, t.row] })],
);
export type JobItemRecord = typeof jobItems.$inferSelect;

/**
 * Temporary passwords awaiting delivery to the approver: one sealed JSON list per committed batch (one
 * cipher operation and one row per batch, not per user); deleted once delivered.
 */
export const jobCredentials = pgTable(
  "job_credentials",
  {
    jobId: text("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    /** The first row number of the batch: identifies the batch. */
    firstRow: integer("first_row").notNull(),
    /** How many credentials the sealed list holds. */
    count: integer("count").notNull(),
    /** AES-256-GCM sealed JSON: [{ row, email, password }]. */
    sealed: text("sealed").notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.firstRow] })],
);

/**
 * Welcome messages of a job (create, or reset-password when asked): one row per user whose account the
 * job made ready, written in the same transaction as the job's batch, so no hire is ever forgotten.
 * `status` is the delivery state machine; a row is claimed (`sending`) in its own committed transaction
 * before the SMTP conversation, so a crash never sends one twice (see src/jobs/welcome-delivery.ts).
 */
export const welcomeMessages = pgTable(
  "welcome_messages",
  {
    jobId: text("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    row: integer("row").notNull(),
    userId: uuid("user_id").notNull(),
    /** The sign-in name the message is about. */
    email: text("email").notNull(),
    status: text("status", {
      enum: ["pending", "sending", "sent", "bounced", "no_address", "failed"],
    })
      .notNull()
      .default("pending"),
    /** Where it went (or was to go): the personal address, else the manager's. */
    recipient: text("recipient"),
    recipientKind: text("recipient_kind", { enum: ["personal", "manager"] }),
    /** Why it was not sent, or the server's answer to a bounce. */
    reason: text("reason").notNull().default(""),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: at("next_attempt_at").notNull().defaultNow(),
    claimedBy: text("claimed_by"),
    claimedAt: at("claimed_at"),
    sentAt: at("sent_at"),
    messageId: text("message_id"),
    /** The temporary password, sealed; deleted once revealed, e-mailed, expired or undeliverable. */
    sealedPassword: text("sealed_password"),
    /** SHA-256 of the one-time link's token (the token itself is only in the e-mail). */
    linkHash: text("link_hash"),
    linkExpiresAt: at("link_expires_at"),
    linkRevealedAt: at("link_revealed_at"),
    /** The manager's Slack DM: null until decided, then sent / not_in_slack / failed / none. */
    managerDm: text("manager_dm"),
  },
  (t) => [
    primaryKey({ columns: [t.jobId, t.row] }),
    index("welcome_messages_pending_idx").on(t.status, t.nextAttemptAt),
    uniqueIndex("welcome_messages_link_key").on(t.linkHash),
  ],
);
export type WelcomeMessageRecord = typeof welcomeMessages.$inferSelect;

export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: at("at").notNull().defaultNow(),
    actor: text("actor").notNull(),
    source: text("source", { enum: ["slack", "api", "cli", "schedule"] }).notNull(),
    action: text("action").notNull(),
    target: text("target"),
    before: jsonb("before"),
    after: jsonb("after"),
    jobId: text("job_id"),
    details: jsonb("details"),
  },
  (t) => [index("audit_log_job_idx").on(t.jobId), index("audit_log_at_idx").on(t.at)],
);

/**
 * The two-person rule: a confirmed plan that needs a second approver waits here. One request per plan (the
 * plan id is the idempotency key); a plan re-made because the directory changed gets a new request that
 * `supersedes` the old one.
 */
export const approvalRequests = pgTable(
  "approval_requests",
  {
    id: text("id").primaryKey(),
    planId: text("plan_id")
      .notNull()
      .references(() => plans.id),
    operation: text("operation").notNull(),
    status: text("status", {
      enum: ["pending", "approved", "rejected", "superseded", "expired"],
    })
      .notNull()
      .default("pending"),
    /** The rule that asked for approval, in words ("any delete"). */
    rule: text("rule").notNull(),
    summary: jsonb("summary").$type<{ change: number; skip: number; error: number }>().notNull(),
    requestedBy: text("requested_by").notNull(),
    requestedSource: text("requested_source", { enum: ["slack", "api", "cli", "schedule"] }).notNull(),
    requestedAt: at("requested_at").notNull(),
    /** The requester accepted that rows with errors are reported, not run. */
    allowPartial: boolean("allow_partial").notNull().default(false),
    decidedBy: text("decided_by"),
    decidedSource: text("decided_source", { enum: ["slack", "api", "cli", "schedule"] }),
    decidedAt: at("decided_at"),
    /** Why it was rejected (or why it could not be approved: expired, changed). */
    reason: text("reason"),
    jobId: text("job_id"),
    supersedes: text("supersedes"),
    supersededBy: text("superseded_by"),
    /** Where the request was posted (Slack messages), so a decision can update every copy. */
    context: jsonb("context").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    uniqueIndex("approval_requests_plan_key").on(t.planId),
    index("approval_requests_status_idx").on(t.status, t.requestedAt),
  ],
);
export type ApprovalRequestRecord = typeof approvalRequests.$inferSelect;

/**
 * Dated operations: the rows of a confirmed plan that wait for their effective time, one batch per (plan,
 * time). At its time a batch is re-planned against the directory of that moment and runs as a normal job.
 */
export const scheduledBatches = pgTable(
  "scheduled_batches",
  {
    id: text("id").primaryKey(),
    planId: text("plan_id")
      .notNull()
      .references(() => plans.id),
    operation: text("operation").notNull(),
    runAt: at("run_at").notNull(),
    status: text("status", { enum: ["pending", "started", "done", "cancelled", "failed"] })
      .notNull()
      .default("pending"),
    requestedBy: text("requested_by").notNull(),
    approvedBy: text("approved_by").notNull(),
    source: text("source", { enum: ["slack", "api", "cli", "schedule"] }).notNull(),
    /** Where results go: the thread the plan was confirmed in. */
    slackChannel: text("slack_channel"),
    slackThreadTs: text("slack_thread_ts"),
    jobId: text("job_id"),
    error: text("error"),
    createdAt: at("created_at").notNull(),
    startedAt: at("started_at"),
  },
  (t) => [index("scheduled_batches_due_idx").on(t.status, t.runAt)],
);
export type ScheduledBatchRecord = typeof scheduledBatches.$inferSelect;

export const scheduledRows = pgTable(
  "scheduled_rows",
  {
    batchId: text("batch_id")
      .notNull()
      .references(() => scheduledBatches.id, { onDelete: "cascade" }),
    row: integer("row").notNull(),
    key: text("key").notNull(),
    status: text("status", { enum: ["pending", "started", "cancelled"] })
      .notNull()
      .default("pending"),
    cancelledBy: text("cancelled_by"),
    cancelledAt: at("cancelled_at"),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.row] }), index("scheduled_rows_key_idx").on(t.key)],
);
export type ScheduledRowRecord = typeof scheduledRows.$inferSelect;

// --- scheduler -------------------------------------------------------------------------------

export const schedules = pgTable("schedules", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  enabled: boolean("enabled").notNull().default(true),
  cron: text("cron").notNull(),
  timezone: text("timezone").notNull().default("UTC"),
  inactiveDays: integer("inactive_days").notNull(),
  excludeGroups: jsonb("exclude_groups").$type<string[]>().notNull().default([]),
  mode: text("mode", { enum: ["report", "warn-then-deactivate", "deactivate"] })
    .notNull()
    .default("report"),
  warnDays: integer("warn_days").notNull().default(7),
  /** What a run does to the inactive users: deactivate (default) or remove their access (core/inactivity.ts). */
  action: jsonb("action").$type<InactivityAction>().notNull().default({ kind: "deactivate" }),
  /** Above this many users (or share of active users) a run only asks for approval. */
  capCount: integer("cap_count"),
  capPercent: integer("cap_percent"),
  reportChannel: text("report_channel"),
  createdBy: text("created_by").notNull(),
  createdAt: at("created_at").notNull().defaultNow(),
  updatedAt: at("updated_at").notNull().defaultNow(),
});
export type ScheduleRecord = typeof schedules.$inferSelect;

/** One row per fired slot: the run coordinator that makes each slot fire once across instances. */
export const cronRuns = pgTable(
  "cron_runs",
  {
    scheduleId: text("schedule_id").notNull(),
    slot: at("slot").notNull(),
    instance: text("instance").notNull(),
    status: text("status", { enum: ["running", "succeeded", "failed"] })
      .notNull()
      .default("running"),
    result: jsonb("result"),
    startedAt: at("started_at").notNull().defaultNow(),
    finishedAt: at("finished_at"),
  },
  (t) => [primaryKey({ columns: [t.scheduleId, t.slot] })],
);

/** Users warned of upcoming deactivation by a policy: the lead time counts from here. */
export const inactivityWarnings = pgTable(
  "inactivity_warnings",
  {
    scheduleId: text("schedule_id").notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    warnedAt: at("warned_at").notNull(),
    deactivateAfter: at("deactivate_after").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scheduleId, t.userId] })],
);

// --- infrastructure --------------------------------------------------------------------------

/** Slack event ids already handled: retries and redeliveries are dropped. */
export const processedEvents = pgTable("processed_events", {
  eventId: text("event_id").primaryKey(),
  receivedAt: at("received_at").notNull().defaultNow(),
});

export const settings = pgTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});
