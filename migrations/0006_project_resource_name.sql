-- A project's resources outside D1 (repository, server directory, unit) get a name unique across
-- owners. Existing projects keep the name they were deployed under (their slug, as projectName()
-- made it) where no older project of another owner holds it; the others get a suffix of their id.
ALTER TABLE `projects` ADD `resource_name` text DEFAULT '' NOT NULL;--> statement-breakpoint
UPDATE `projects` SET `resource_name` = CASE
  WHEN substr(`slug`, 1, 1) BETWEEN 'a' AND 'z' AND length(`slug`) >= 2 THEN `slug`
  ELSE substr('svc-' || `slug`, 1, 63) END;--> statement-breakpoint
UPDATE `projects` SET `resource_name` = substr(`resource_name`, 1, 56) || '-' || lower(substr(`id`, 21, 6))
  WHERE `id` <> (SELECT min(`older`.`id`) FROM `projects` AS `older` WHERE `older`.`resource_name` = `projects`.`resource_name`);--> statement-breakpoint
CREATE UNIQUE INDEX `projects_resource_name_idx` ON `projects` (`resource_name`);
