CREATE TABLE `previews` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`branch` text NOT NULL,
	`slug` text NOT NULL,
	`resource_name` text NOT NULL,
	`server_id` text NOT NULL,
	`url` text NOT NULL,
	`commit_sha` text,
	`status` text NOT NULL,
	`run_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`server_id`) REFERENCES `servers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `previews_project_slug_idx` ON `previews` (`project_id`,`slug`);--> statement-breakpoint
CREATE UNIQUE INDEX `previews_resource_name_idx` ON `previews` (`resource_name`);--> statement-breakpoint
CREATE INDEX `previews_expires_idx` ON `previews` (`expires_at`);