ALTER TABLE `servers` ADD `known_hosts` text;--> statement-breakpoint
ALTER TABLE `servers` ADD `deploy_root` text DEFAULT '/srv/apps' NOT NULL;--> statement-breakpoint
ALTER TABLE `servers` ADD `service_manager` text DEFAULT 'auto' NOT NULL;