/**
 * What a run's members may read of a job's failure. Git's own words about a repository it could
 * not reach (connection refused, no such host, authentication, not found) tell one address or
 * port from another: a member who names a repository could probe the network through them. The
 * run and its timeline say that git could not reach or read the repository; git's words stay in
 * the job's log and error, which only admins read (`GET /jobs/{id}`, `/jobs/{id}/log`).
 *
 *   memberSafeError("steps[0] (clone) failed: `git clone` exited with 128: fatal: …")
 *   // "steps[0] (clone) failed: `git clone` could not reach or read the repository (…)"
 */

/** A failed git command that talks to a remote, and everything git said after it. */
const REMOTE_GIT_FAILURE = /`git (clone|fetch|push|ls-remote)` exited with [^:]+(?::.*)?$/s;

export function memberSafeError(error: string): string {
  return error.replace(
    REMOTE_GIT_FAILURE,
    (_all, command: string) =>
      `\`git ${command}\` could not reach or read the repository (an admin finds git's own words in the job's log)`,
  );
}
