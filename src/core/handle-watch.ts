/**
 * @internal A hook the console sets to learn of every end a task can be left
 * waiting on without: channel ends (`end` names which, e.g. `'mpsc.sender'`,
 * `'watch.receiver'`) and lock guards and permits (`'mutex.guard'`,
 * `'semaphore.permit'`), each with the state it shares with the other ends
 * (`shared`, whose `rid` its waits report). A FinalizationRegistry on the
 * handles then tells when the ends that could wake a wait were all collected
 * without being closed or released (WEFT_LOST_WAKER). Guards and permits
 * report their release (`released`), so collecting one unreleased is a
 * leak; a channel's own counts say whether a collected end was closed.
 * Unset (the default), making or releasing a handle pays one property read.
 */
export const handleWatch: {
  made: ((handle: object, shared: { readonly rid: number }, end: string) => void) | undefined;
  released: ((handle: object) => void) | undefined;
} = { made: undefined, released: undefined };
