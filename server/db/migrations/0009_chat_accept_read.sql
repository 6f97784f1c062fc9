ALTER TABLE "conversations" ADD COLUMN "chat_offered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "customer_read_seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "agent_read_seq" integer DEFAULT 0 NOT NULL;