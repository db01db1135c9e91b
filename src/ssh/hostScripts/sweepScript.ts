import { answerFunction, answeringScript, type AnsweringScript } from './answer';
import { runsRoot } from './runDirectory';

/**
 * Removes the run directories of ended runs and answers how many (`removed`): an `exit` file
 * older than the retention, a name that is an execution id, and a lock nobody holds (taken
 * exclusively for the removal, so a wrapper finishing or a follower still reading keeps its
 * directory). A directory without `exit` may be a run still starting, so it stays; so do those
 * of `keep`, whose workflows may still retry `runScript` and must find the `started` tombstone.
 */
export function runDirSweepScript(retentionDays: number, keep: string[]): AnsweringScript {
  const age = retentionDays > 0 ? ` -mmin +${retentionDays * 1440}` : '';
  return answeringScript([
    `runs="${runsRoot}"`,
    `[ -d "$runs" ] || { ${answerFunction} removed 0; exit 0; }`,
    `keep=' ${keep.join(' ')} '`,
    'removed=0',
    'while IFS= read -r run; do',
    '  name=${run##*/}',
    '  [[ $name =~ ^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$ ]] || continue',
    '  [[ $keep == *" $name "* ]] && continue',
    '  flock -x -n "$run/lock" rm -rf -- "$run" 2>/dev/null && removed=$((removed + 1))',
    `done < <(find "$runs" -mindepth 2 -maxdepth 2 -type f -name exit${age} -printf '%h\\n' 2>/dev/null)`,
    `${answerFunction} removed "$removed"`,
  ]);
}
