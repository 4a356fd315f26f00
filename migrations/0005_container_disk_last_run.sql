ALTER TABLE `containers` ADD `disk_bytes` integer;--> statement-breakpoint
ALTER TABLE `containers` ADD `disk_measured_at` integer;--> statement-breakpoint
ALTER TABLE `containers` ADD `last_run` text;--> statement-breakpoint
UPDATE `containers` SET `last_run` = (
  SELECT json_object('id', r.id, 'seq', r.seq, 'state', r.state, 'exitCode', r.exit_code,
    'signal', r.signal, 'startedAt', r.started_at, 'finishedAt', r.finished_at)
  FROM `runs` r WHERE r.container_id = `containers`.`id` ORDER BY r.seq DESC LIMIT 1
);
