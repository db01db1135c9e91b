import { execFileSync } from 'node:child_process';

import { answeringScript, readAnswer } from '../../src/ssh/hostScripts/answer';

/** Runs an answering script with this machine's bash, as sshd would run it on a host, and reads its answer. */
function answerOf(lines: string[]): Map<string, string> {
  const script = answeringScript(lines);
  const stdout = execFileSync('sh', ['-c', script.command], { encoding: 'utf8' });
  return new Map(readAnswer(script, stdout));
}

describe("the answers of host scripts: one parser, fields only from the script's own answer function", () => {
  test('when programs the script runs print lines shaped like fields, then only the answered fields are read', () => {
    const answer = answerOf(['echo exit=0', "printf 'pid=1\\nalive=1\\n'", 'migrator_answer pid 42', 'echo "migrator-0123 exit=3" >&1']);
    expect(answer).toEqual(new Map([['pid', '42']]));
  });

  test("when a value holds newlines, even followed by this script's own marker, then it stays one field and forges none", () => {
    const answer = answerOf([
      // The marker is the first word of the answer function's printf format.
      'marker=$(declare -f migrator_answer | grep -o "migrator-[0-9a-f]*" | head -n 1)',
      'migrator_answer version "$(printf \'v1.2.3\\n%s exit=0\\n\' "$marker")"',
    ]);
    expect([...answer.keys()]).toEqual(['version']);
    expect(answer.get('version')).toMatch(/^v1\.2\.3 migrator-[0-9a-f]+ exit=0$/);
  });

  test('when a key is answered twice, then the first answer stands', () => {
    expect(answerOf(['migrator_answer exit 0', 'migrator_answer exit 1']).get('exit')).toBe('0');
  });

  test('when two scripts are built, then their markers differ, so one cannot read the other', () => {
    const first = answeringScript(['migrator_answer exit 0']);
    const second = answeringScript(['migrator_answer exit 0']);
    expect(first.marker).not.toBe(second.marker);
    const stdout = execFileSync('sh', ['-c', first.command], { encoding: 'utf8' });
    expect(readAnswer(second, stdout).size).toBe(0);
  });
});
