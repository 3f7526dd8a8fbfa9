#!/usr/bin/env node
/**
 * The `otp` executable: runs the `otp` command on Node.js with the process's arguments.
 *
 * @example
 * ```sh
 * npx otp demo mastery
 * npx node packages/cli/src/bin.ts demo mastery --scripted
 * ```
 *
 * @since 0.1.0
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { Command } from "effect/cli"
import * as Cli from "./Cli.ts"

Cli.otp.pipe(Command.run({ version: Cli.version }), Effect.provide(NodeServices.layer), NodeRuntime.runMain)
