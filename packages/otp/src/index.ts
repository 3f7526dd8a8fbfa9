/**
 * effect-otp: Erlang/OTP's model of concurrency built natively on Effect 4.
 *
 * @since 0.1.0
 */
export {}
