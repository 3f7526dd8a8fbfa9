/**
 * The process kernel: process records, mailboxes and receive, exit signals, links, monitors, names,
 * timers and crash reports, one file per concern; this module gathers their operations.
 *
 * Everything here that changes the process table is synchronous and runs on the one JS thread, so
 * the table is never seen half-updated. Only the kernel writes a record's fields: other modules call
 * its operations (`setTrapExit`, `addExitListener`, `registerName`, ...).
 *
 * @internal
 */
export * from "./callDeadlines.ts"
export * from "./mailbox.ts"
export * from "./records.ts"
export * from "./reports.ts"
export * from "./signals.ts"
export * from "./spawn.ts"
export * from "./timers.ts"
