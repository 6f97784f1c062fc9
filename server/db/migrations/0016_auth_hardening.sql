ALTER TABLE "api_tokens" ADD COLUMN "team_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL;--> statement-breakpoint
ALTER TABLE "login_throttles" ADD COLUMN "locks" integer DEFAULT 0 NOT NULL;