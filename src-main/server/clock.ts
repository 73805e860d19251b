// Time is injected so that tests of bans, expiries and retries never wait in real time.
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };
