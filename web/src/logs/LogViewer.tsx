export interface LogViewerProps {
  executionId: string;
}

/** The live log of an execution (to be built: virtualized, opens at the tail, follows live). */
export function LogViewer({ executionId }: LogViewerProps) {
  return (
    <section aria-label="Log">
      <p>
        <a href={`/api/v1/executions/${executionId}/logs.txt`} download>
          Download logs.txt
        </a>
      </p>
    </section>
  );
}
