ALTER TABLE `projects` ADD `pool` text DEFAULT 'default' NOT NULL;--> statement-breakpoint
ALTER TABLE `servers` ADD `trust_first_host_key` integer DEFAULT false NOT NULL;--> statement-breakpoint
-- Servers registered before keep what they had: the key of the first contact is recorded.
UPDATE `servers` SET `trust_first_host_key` = 1 WHERE `known_hosts` IS NULL;--> statement-breakpoint
-- Executors registered before are in the default pool, allowed every capability.
UPDATE `executors` SET `labels` = json_set(`labels`, '$.pool', 'default') WHERE json_extract(`labels`, '$.pool') IS NULL;--> statement-breakpoint
UPDATE `executors` SET `capabilities` = '["exec","copier","git","agent","container","ansible","test","docker","sysbox"]' WHERE `capabilities` = '[]';
