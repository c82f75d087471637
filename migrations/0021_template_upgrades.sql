CREATE TABLE `template_upgrades` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`template_id` text NOT NULL,
	`run_id` text NOT NULL,
	`from_version` text,
	`to_version` text NOT NULL,
	`status` text NOT NULL,
	`branch` text,
	`commit` text,
	`pull_request_url` text,
	`tests_passed` integer,
	`conflicts` text DEFAULT '[]' NOT NULL,
	`error` text,
	`created_at` integer NOT NULL,
	`decided_at` integer,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`template_id`) REFERENCES `templates`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `template_upgrades_version_idx` ON `template_upgrades` (`project_id`,`to_version`);--> statement-breakpoint
CREATE UNIQUE INDEX `template_upgrades_run_idx` ON `template_upgrades` (`run_id`);--> statement-breakpoint
CREATE INDEX `template_upgrades_template_idx` ON `template_upgrades` (`template_id`);--> statement-breakpoint
ALTER TABLE `templates` ADD `check_round` integer DEFAULT 0 NOT NULL;