CREATE TABLE `templates` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`tags` text NOT NULL,
	`source_kind` text NOT NULL,
	`source` text NOT NULL,
	`version_constraint` text,
	`status` text NOT NULL,
	`questions` text,
	`settings` text,
	`version_tag` text,
	`version_commit` text,
	`error` text,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`checked_at` integer,
	`deleted_at` integer,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `templates_name_live_idx` ON `templates` (`name`) WHERE deleted_at IS NULL;--> statement-breakpoint
CREATE INDEX `templates_status_idx` ON `templates` (`status`);--> statement-breakpoint
ALTER TABLE `projects` ADD `template_id` text;--> statement-breakpoint
ALTER TABLE `projects` ADD `template_version` text;