/** A chat room server the doc examples register by name: its start argument is the room's name. */
import { Effect, Schema } from "effect"
import { GenServer, Request } from "effect-otp"

export class Topic extends Request.Class<Topic>()("Topic", { success: Schema.String }) {}

export const Room = GenServer.behaviour({
  protocol: [Topic],
  init: (name: string) => Effect.succeed(GenServer.ok(name)),
  handleCall: { Topic: (_, name) => Effect.succeed(GenServer.reply(name, name)) }
})
