CREATE TABLE `monitor_days` (
	`project_id` text NOT NULL,
	`day` text NOT NULL,
	`checks` integer NOT NULL,
	`failures` integer NOT NULL,
	`latency_p50_ms` integer,
	`latency_p95_ms` integer,
	`latency_p99_ms` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `day`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
-- Edited by hand: D1 enforces foreign keys in every migration, so the rebuild defers them, and
-- the copy takes only the columns the old table has.
PRAGMA defer_foreign_keys = on;--> statement-breakpoint
CREATE TABLE `__new_incidents` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text,
	`server_id` text,
	`deployment_id` text,
	`kind` text NOT NULL,
	`severity` text NOT NULL,
	`message` text NOT NULL,
	`evidence` text,
	`actions` text DEFAULT '[]' NOT NULL,
	`started_at` integer,
	`opened_at` integer NOT NULL,
	`resolved_at` integer,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`server_id`) REFERENCES `servers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`deployment_id`) REFERENCES `deployments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_incidents`("id", "project_id", "deployment_id", "kind", "severity", "message", "opened_at", "resolved_at") SELECT "id", "project_id", "deployment_id", "kind", "severity", "message", "opened_at", "resolved_at" FROM `incidents`;--> statement-breakpoint
DROP TABLE `incidents`;--> statement-breakpoint
ALTER TABLE `__new_incidents` RENAME TO `incidents`;--> statement-breakpoint
PRAGMA defer_foreign_keys = off;--> statement-breakpoint
CREATE INDEX `incidents_project_idx` ON `incidents` (`project_id`);--> statement-breakpoint
CREATE INDEX `incidents_server_idx` ON `incidents` (`server_id`);--> statement-breakpoint
ALTER TABLE `projects` ADD `monitor_interval_s` integer DEFAULT 60 NOT NULL;--> statement-breakpoint
ALTER TABLE `projects` ADD `recovery_policy` text DEFAULT '["restart","rollback","ask"]' NOT NULL;--> statement-breakpoint
-- Monitors' checks are `http_check` jobs: executors allowed what every executor could run (exec)
-- may run them too, as newly registered executors do.
UPDATE `executors` SET `capabilities` = json_insert(`capabilities`, '$[#]', 'http_check') WHERE EXISTS (SELECT 1 FROM json_each(`capabilities`) WHERE value = 'exec') AND NOT EXISTS (SELECT 1 FROM json_each(`capabilities`) WHERE value = 'http_check');
