ALTER TABLE `costs` ADD `chat_id` integer;--> statement-breakpoint
CREATE INDEX `costs_chat_idx` ON `costs` (`chat_id`);--> statement-breakpoint
ALTER TABLE `runs` ADD `chat_id` integer;