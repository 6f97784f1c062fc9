ALTER TABLE "conversations" ADD COLUMN "sla_paused_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "sla_paused_seconds" integer DEFAULT 0 NOT NULL;