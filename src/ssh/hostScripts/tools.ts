import { runProtocolTools, type RunProtocolTool } from '../../model/environmentCheck';
import { answerFunction, type Answer } from './answer';

/**
 * The one check that the host has the run protocol's tools: answers `tool.<name>` 1 or 0 for
 * each, and leaves the first missing one in `$missing_tool` for the script to act on.
 */
export const toolPresenceLines: readonly string[] = [
  'missing_tool=',
  `for tool in ${runProtocolTools.join(' ')}; do`,
  `  if command -v "$tool" >/dev/null 2>&1; then ${answerFunction} "tool.$tool" 1; else ${answerFunction} "tool.$tool" 0; missing_tool=\${missing_tool:-$tool}; fi`,
  'done',
];

/** Which tools the answer says are there; a tool it does not mention counts as missing. */
export function toolsOf(answer: Answer): Record<RunProtocolTool, boolean> {
  return Object.fromEntries(runProtocolTools.map((tool) => [tool, answer.get(`tool.${tool}`) === '1'])) as Record<RunProtocolTool, boolean>;
}

/** The first tool, in the protocol's order, the answer says is missing. */
export function firstMissingTool(answer: Answer): RunProtocolTool | null {
  const tools = toolsOf(answer);
  return runProtocolTools.find((tool) => !tools[tool]) ?? null;
}
