DROP INDEX "job_items_pending_idx";--> statement-breakpoint
CREATE INDEX "plan_rows_seq_idx" ON "plan_rows" USING btree ("plan_id","seq") WHERE "plan_rows"."seq" is not null;