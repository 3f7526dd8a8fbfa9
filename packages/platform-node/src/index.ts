/**
 * @effect-otp/platform-node: effect-otp on Node.js.
 *
 * @since 0.1.0
 */
export {}
