/**
 * @internal A hook the console sets to learn of every channel sending end
 * made (`handle`) and the state it shares with the receiver (`shared`), so a
 * FinalizationRegistry can tell when every sender of a channel was collected
 * without being closed: a receiver parked on it can then never be woken
 * (WEFT_LOST_WAKER). Unset (the default), a sender's constructor pays one
 * property read.
 */
export const handleWatch: { made: ((handle: object, shared: object) => void) | undefined } = { made: undefined };
