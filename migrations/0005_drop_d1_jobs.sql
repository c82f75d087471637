-- Jobs live in the ExecutorHub's storage: D1's `jobs` table was never written. `costs` loses its
-- foreign key to it (rebuilt: SQLite cannot drop a constraint), then the table goes. D1 enforces
-- foreign keys in every migration; deferring them lets the rebuild run (it breaks none).
PRAGMA defer_foreign_keys = on;--> statement-breakpoint
CREATE TABLE `__new_costs` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text,
	`run_id` text,
	`job_id` text,
	`chat_id` integer,
	`source` text NOT NULL,
	`amount_usd` real NOT NULL,
	`input_tokens` integer,
	`output_tokens` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_costs`("id", "project_id", "run_id", "job_id", "chat_id", "source", "amount_usd", "input_tokens", "output_tokens", "created_at") SELECT "id", "project_id", "run_id", "job_id", "chat_id", "source", "amount_usd", "input_tokens", "output_tokens", "created_at" FROM `costs`;--> statement-breakpoint
DROP TABLE `costs`;--> statement-breakpoint
ALTER TABLE `__new_costs` RENAME TO `costs`;--> statement-breakpoint
CREATE INDEX `costs_project_idx` ON `costs` (`project_id`);--> statement-breakpoint
CREATE INDEX `costs_chat_idx` ON `costs` (`chat_id`);--> statement-breakpoint
DROP TABLE `jobs`;--> statement-breakpoint
PRAGMA defer_foreign_keys = off;
