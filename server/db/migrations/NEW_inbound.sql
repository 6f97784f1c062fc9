CREATE INDEX "inbound_deliveries_blob_idx" ON "inbound_deliveries" USING btree ("inbox_id","blob_sha256") WHERE "inbound_deliveries"."blob_sha256" is not null;
