/** A session server the doc examples start under a DynamicSupervisor: its start argument is the user. */
import { Effect, Schema } from "effect"
import { GenServer, Request } from "effect-otp"

export class WhoAmI extends Request.Class<WhoAmI>()("WhoAmI", { success: Schema.String }) {}

export const Session = GenServer.behaviour({
  protocol: [WhoAmI],
  init: (user: string) => Effect.succeed(GenServer.ok(user)),
  handleCall: { WhoAmI: (_, user) => Effect.succeed(GenServer.reply(user, user)) }
})
