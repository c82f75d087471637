ALTER TABLE `projects` ADD `monthly_budget_usd` real;--> statement-breakpoint
ALTER TABLE `runs` ADD `budget_raise_usd` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `monthly_budget_usd` real;