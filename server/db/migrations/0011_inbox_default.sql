ALTER TABLE "inboxes" ADD COLUMN "is_default" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Until now the oldest inbox of a kind was its default: it stays so.
UPDATE "inboxes" SET "is_default" = true WHERE "id" IN (SELECT DISTINCT ON ("kind") "id" FROM "inboxes" WHERE "kind" IN ('api', 'webform', 'webchat') ORDER BY "kind", "created_at", "id");--> statement-breakpoint
CREATE UNIQUE INDEX "inboxes_default_kind_key" ON "inboxes" USING btree ("kind") WHERE "inboxes"."is_default";