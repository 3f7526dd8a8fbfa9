/**
 * effect-otp: Erlang/OTP's model of concurrency built natively on Effect 4.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Application from "./Application.ts"
/** @since 0.1.0 */
export * as ChildSpec from "./ChildSpec.ts"
/** @since 0.2.0 */
export * as Distribution from "./Distribution.ts"
/** @since 0.1.0 */
export * as DynamicSupervisor from "./DynamicSupervisor.ts"
/** @since 0.1.0 */
export * as Errors from "./Errors.ts"
/** @since 0.1.0 */
export * as ExitReason from "./ExitReason.ts"
/** @since 0.1.0 */
export * as GenServer from "./GenServer.ts"
/** @since 0.1.0 */
export * as GenStatem from "./GenStatem.ts"
/** @since 0.1.0 */
export * as Mailbox from "./Mailbox.ts"
/** @since 0.1.0 */
export * as Node from "./Node.ts"
/** @since 0.2.0 */
export * as Observer from "./Observer.ts"
/** @since 0.1.0 */
export * as Pid from "./Pid.ts"
/** @since 0.1.0 */
export * as Process from "./Process.ts"
/** @since 0.1.0 */
export * as Registry from "./Registry.ts"
/** @since 0.2.0 */
export * as Release from "./Release.ts"
/** @since 0.1.0 */
export * as Request from "./Request.ts"
/** @since 0.1.0 */
export * as Supervisor from "./Supervisor.ts"
/** @since 0.2.0 */
export * as Sys from "./Sys.ts"
/** @since 0.1.0 */
export * as Task from "./Task.ts"
/** @since 0.1.0 */
export * as TaskSupervisor from "./TaskSupervisor.ts"
export * as Term from "./Term.ts"
/** @since 0.1.0 */
export * as testing from "./testing.ts"
