import type { JobState } from '../shared/contract.js';

/** The states a job never leaves (DESIGN §3): the ones `waitForImport` resolves on and callbacks report. */
export const FINAL_STATES = ['succeeded', 'failed', 'cancelled'] as const satisfies readonly JobState[];
export type FinalState = (typeof FINAL_STATES)[number];

/** True for `succeeded`, `failed` and `cancelled`. */
export const isFinalState = (state: JobState): state is FinalState => (FINAL_STATES as readonly JobState[]).includes(state);
