/**
 * The Mastery quiz app.
 *
 * @since 0.1.0
 */
export {}
