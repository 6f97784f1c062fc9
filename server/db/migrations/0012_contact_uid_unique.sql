DROP INDEX "contacts_uid_idx";--> statement-breakpoint
-- A UID names one account at the exchange. Blank ones meant none; where several contacts shared
-- one, the oldest keeps it and the others keep it in attributes.duplicateUid, for staff to merge.
UPDATE "contacts" SET "uid" = NULL WHERE btrim("uid") = '';--> statement-breakpoint
UPDATE "contacts" SET "attributes" = "attributes" || jsonb_build_object('duplicateUid', "uid"), "uid" = NULL
  WHERE "uid" IS NOT NULL AND "id" NOT IN (SELECT DISTINCT ON ("uid") "id" FROM "contacts" WHERE "uid" IS NOT NULL ORDER BY "uid", "created_at", "id");--> statement-breakpoint
CREATE UNIQUE INDEX "contacts_uid_key" ON "contacts" USING btree ("uid") WHERE "contacts"."uid" is not null;
