/** A failure of the job told in its own words (the runner reports the message as it is). */
export class JobFailure extends Error {}
