ALTER TABLE `api_keys` ADD `chat_id` integer;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `job_id` text;--> statement-breakpoint
CREATE INDEX `api_keys_job_idx` ON `api_keys` (`job_id`);