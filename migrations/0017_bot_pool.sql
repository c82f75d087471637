CREATE TABLE `telegram_bots` (
	`id` text PRIMARY KEY NOT NULL,
	`bot_id` integer NOT NULL,
	`username` text NOT NULL,
	`ciphertext` text NOT NULL,
	`iv` text NOT NULL,
	`key_version` integer NOT NULL,
	`status` text NOT NULL,
	`project_id` text,
	`variable` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `telegram_bots_bot_id_idx` ON `telegram_bots` (`bot_id`);--> statement-breakpoint
CREATE INDEX `telegram_bots_status_idx` ON `telegram_bots` (`status`);--> statement-breakpoint
CREATE INDEX `telegram_bots_project_idx` ON `telegram_bots` (`project_id`);