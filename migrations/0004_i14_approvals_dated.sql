CREATE TABLE "approval_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"plan_id" text NOT NULL,
	"operation" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"rule" text NOT NULL,
	"summary" jsonb NOT NULL,
	"requested_by" text NOT NULL,
	"requested_source" text NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"allow_partial" boolean DEFAULT false NOT NULL,
	"decided_by" text,
	"decided_source" text,
	"decided_at" timestamp with time zone,
	"reason" text,
	"job_id" text,
	"supersedes" text,
	"superseded_by" text,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scheduled_batches" (
	"id" text PRIMARY KEY NOT NULL,
	"plan_id" text NOT NULL,
	"operation" text NOT NULL,
	"run_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"requested_by" text NOT NULL,
	"approved_by" text NOT NULL,
	"source" text NOT NULL,
	"slack_channel" text,
	"slack_thread_ts" text,
	"job_id" text,
	"error" text,
	"created_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "scheduled_rows" (
	"batch_id" text NOT NULL,
	"row" integer NOT NULL,
	"key" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"cancelled_by" text,
	"cancelled_at" timestamp with time zone,
	CONSTRAINT "scheduled_rows_batch_id_row_pk" PRIMARY KEY("batch_id","row")
);
--> statement-breakpoint
ALTER TABLE "approval_requests" ADD CONSTRAINT "approval_requests_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scheduled_batches" ADD CONSTRAINT "scheduled_batches_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scheduled_rows" ADD CONSTRAINT "scheduled_rows_batch_id_scheduled_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."scheduled_batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "approval_requests_plan_key" ON "approval_requests" USING btree ("plan_id");--> statement-breakpoint
CREATE INDEX "approval_requests_status_idx" ON "approval_requests" USING btree ("status","requested_at");--> statement-breakpoint
CREATE INDEX "scheduled_batches_due_idx" ON "scheduled_batches" USING btree ("status","run_at");--> statement-breakpoint
CREATE INDEX "scheduled_rows_key_idx" ON "scheduled_rows" USING btree ("key");