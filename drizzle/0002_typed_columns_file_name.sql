ALTER TABLE "list_columns" ADD COLUMN "format" jsonb;--> statement-breakpoint
ALTER TABLE "lists" ADD COLUMN "file_name" text;