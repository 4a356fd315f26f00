CREATE TABLE `containers` (
	`id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`name` text NOT NULL,
	`version` text,
	`runtime_kind` text NOT NULL,
	`runtime_id` text,
	`runtime_hash` text,
	`wine_version` text,
	`env` text NOT NULL,
	`network` text NOT NULL,
	`limits` text NOT NULL,
	`labels` text NOT NULL,
	`path` text NOT NULL,
	`installed` integer NOT NULL,
	`state` text NOT NULL,
	`state_reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`state_changed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `containers_seq` ON `containers` (`seq`);--> statement-breakpoint
CREATE INDEX `containers_name` ON `containers` (`name`);--> statement-breakpoint
CREATE TABLE `runs` (
	`id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`container_id` text NOT NULL,
	`program` text NOT NULL,
	`target` text NOT NULL,
	`args` text NOT NULL,
	`state` text NOT NULL,
	`pid` integer,
	`exit_code` integer,
	`signal` integer,
	`limits` text,
	`error` text,
	`log_path` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`container_id`) REFERENCES `containers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `runs_seq` ON `runs` (`seq`);--> statement-breakpoint
CREATE INDEX `runs_container_seq` ON `runs` (`container_id`,`seq`);