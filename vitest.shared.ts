/**
 * Settings shared by every vitest project of the monorepo: workspace packages resolve to their
 * TypeScript sources through the export condition `@effect-otp/source` (each package's `exports`
 * lists it before `types` and `default`, which point to the built `dist/`), so `npm test` needs no
 * build. Vitest passes these conditions on to the Node processes that run the tests, so worker
 * threads started by a test resolve the same way; a Node process a test spawns gets the condition
 * from `NODE_OPTIONS`, which `.npmrc` sets for everything run through npm and npx.
 */
import { mergeConfig, type UserWorkspaceConfig } from "vitest/config"

const conditions = ["@effect-otp/source", "module", "node", "development|production"]

/** A vitest project's config, plus the shared settings. */
export const project = (config: UserWorkspaceConfig): UserWorkspaceConfig =>
  mergeConfig({ resolve: { conditions }, ssr: { resolve: { conditions } } }, config)
