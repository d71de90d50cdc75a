ALTER TABLE "job_items" DROP CONSTRAINT "job_items_job_id_jobs_id_fk";
--> statement-breakpoint
ALTER TABLE "plan_rows" DROP CONSTRAINT "plan_rows_plan_id_plans_id_fk";
