ALTER TABLE `projects` ADD `custom_domain` text;--> statement-breakpoint
CREATE UNIQUE INDEX `projects_custom_domain_idx` ON `projects` (`custom_domain`);--> statement-breakpoint
ALTER TABLE `servers` ADD `base_domain` text;--> statement-breakpoint
ALTER TABLE `servers` ADD `https_port` integer DEFAULT 443 NOT NULL;--> statement-breakpoint
ALTER TABLE `servers` ADD `tls` text DEFAULT 'acme' NOT NULL;