CREATE TABLE "conversation_participants" (
	"conversation_id" uuid NOT NULL,
	"email" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"role" text DEFAULT 'cc' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conversation_participants_conversation_id_email_pk" PRIMARY KEY("conversation_id","email")
);
--> statement-breakpoint
CREATE TABLE "inbound_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"inbox_id" uuid NOT NULL,
	"source" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"blob_sha256" text,
	"size" bigint,
	"payload" jsonb,
	"envelope" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'received' NOT NULL,
	"outcome" text,
	"error" text,
	"conversation_id" uuid,
	"message_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "mailbox_cursors" (
	"inbox_id" uuid PRIMARY KEY NOT NULL,
	"uid_validity" bigint,
	"last_uid" bigint DEFAULT 0 NOT NULL,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"polled_at" timestamp with time zone,
	"last_error" text
);
--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "field_sources" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "attachments" ADD COLUMN "content_id" text;--> statement-breakpoint
ALTER TABLE "attachments" ADD COLUMN "inline" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "delivery_status" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "delivery_error" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "delivery_updated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "conversation_participants" ADD CONSTRAINT "conversation_participants_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbound_deliveries" ADD CONSTRAINT "inbound_deliveries_inbox_id_inboxes_id_fk" FOREIGN KEY ("inbox_id") REFERENCES "public"."inboxes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbound_deliveries" ADD CONSTRAINT "inbound_deliveries_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mailbox_cursors" ADD CONSTRAINT "mailbox_cursors_inbox_id_inboxes_id_fk" FOREIGN KEY ("inbox_id") REFERENCES "public"."inboxes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "inbound_deliveries_dedupe_key" ON "inbound_deliveries" USING btree ("inbox_id","dedupe_key");--> statement-breakpoint
CREATE INDEX "inbound_deliveries_status_idx" ON "inbound_deliveries" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "inbound_deliveries_message_idx" ON "inbound_deliveries" USING btree ("message_id") WHERE "inbound_deliveries"."message_id" is not null;--> statement-breakpoint
CREATE INDEX "inbound_deliveries_blob_idx" ON "inbound_deliveries" USING btree ("inbox_id","blob_sha256") WHERE "inbound_deliveries"."blob_sha256" is not null;--> statement-breakpoint
CREATE INDEX "messages_external_idx" ON "messages" USING btree ("external_id") WHERE "messages"."external_id" is not null;