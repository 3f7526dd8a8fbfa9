/**
 * The process kernel: process records, mailboxes and receive, exit signals, links, monitors, names,
 * timers and crash reports, one file per concern; this module gathers their operations.
 *
 * Everything here that changes the process table is synchronous and runs on the one JS thread, so
 * the table is never seen half-updated. Only the kernel writes a record's fields: other modules call
 * its operations (`setTrapExit`, `addExitListener`, `registerName`, ...). This module exports what
 * other modules use; what the kernel's files share among themselves stays among them.
 *
 * @internal
 */
export {
  AwaitedMessage,
  deliverSystemMade,
  enqueueBlocked,
  flushMessages,
  offer,
  offerSuspending,
  offerUnsafe,
  pushSystem,
  receive,
  receiveAny,
  receiveAnyThen,
  receiveWithin,
  resumeUnsafe,
  setSystemHandler,
  suspendUnsafe,
  TimedOut
} from "./mailbox.ts"
export {
  callerOf,
  type Code,
  countDropped,
  currentSelf,
  DownMessage,
  droppedAtExited,
  ExitMessage,
  exitedReasonOf,
  type LifecycleEvent,
  liveRecordOf,
  MonitorRef,
  NodeState,
  notifyObservers,
  noProcFor,
  pidKey,
  ProcessRecord,
  recordOf,
  registerName,
  Self,
  setEngine,
  type Status,
  unregisterName
} from "./records.ts"
export { measureCalls } from "./metrics.ts"
export { logReaches } from "./reports.ts"
export {
  callRemote,
  cancelRemoteCall,
  demonitorRemote,
  isRemote,
  linkRemote,
  monitorRefTerm,
  monitorRemote,
  refIdOf,
  namePid,
  type RemoteName,
  remoteLinksOf,
  sendRemote,
  SpawnReply,
  spawnRemote,
  type Target,
  type Transport,
  unlinkRemote
} from "./remote.ts"
export {
  addExitListener,
  addPending,
  awaitExit,
  demonitorRecord,
  exitSignal,
  linkOrNoProc,
  linkRecords,
  monitorRecord,
  Pending,
  removeExitListener,
  removePending,
  setTrapExit,
  terminate,
  unlinkRecords
} from "./signals.ts"
export {
  shutdownNode,
  spawn,
  spawnUnsafe
} from "./spawn.ts"
export {
  cancelTimerUnsafe,
  startTimer,
  TimerRef
} from "./timers.ts"
