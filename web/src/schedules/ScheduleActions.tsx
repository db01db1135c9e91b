import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

import { ProblemAlert } from '../catalog/fields';
import { type Schedule, type ScheduleDetail, scheduleApi, schedulesKey } from './scheduleApi';

type Action = 'pause' | 'unpause' | 'trigger' | 'approve' | 'remove';

const done: Record<Action, (name: string) => string> = {
  pause: (n) => `Schedule ${n} paused.`,
  unpause: (n) => `Schedule ${n} unpaused.`,
  trigger: (n) => `Schedule ${n} triggered: its run is listed under its last runs.`,
  approve: (n) => `Schedule ${n} approved: it runs as approved.`,
  remove: (n) => `Schedule ${n} deleted.`,
};

/**
 * An operator's controls of one schedule. Approve is offered whenever a production schedule
 * awaits approval; whether this person may approve is the server's call, and its refusal shows here.
 */
export function ScheduleActions({ schedule, announce, onDeleted }: { schedule: Schedule; announce: (message: string) => void; onDeleted?: () => void }) {
  const queryClient = useQueryClient();
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const act = useMutation({
    mutationFn: (action: Action): Promise<ScheduleDetail | undefined> => scheduleApi[action](schedule.id),
    onSuccess: async (_, action) => {
      announce(done[action](schedule.name));
      setConfirmingDelete(false);
      if (action === 'remove') {
        queryClient.removeQueries({ queryKey: [...schedulesKey, 'detail', schedule.id] });
        onDeleted?.();
      }
      await queryClient.invalidateQueries({ queryKey: schedulesKey });
    },
  });
  const button = (action: Action, label: string, className?: string) => (
    <button type="button" className={className} aria-label={`${label} ${schedule.name}`} disabled={act.isPending} onClick={() => act.mutate(action)}>
      {label}
    </button>
  );
  return (
    <div>
      {schedule.awaitingApproval && button('approve', 'Approve')}
      {schedule.paused ? button('unpause', 'Unpause') : button('pause', 'Pause')}
      {button('trigger', 'Trigger')}
      {confirmingDelete ? (
        <>
          <button type="button" className="danger" aria-label={`Delete now: ${schedule.name}`} disabled={act.isPending} onClick={() => act.mutate('remove')}>
            Delete now
          </button>
          <button type="button" aria-label={`Keep ${schedule.name}`} onClick={() => setConfirmingDelete(false)}>
            Keep
          </button>
        </>
      ) : (
        <button type="button" aria-label={`Delete ${schedule.name}`} onClick={() => setConfirmingDelete(true)}>
          Delete
        </button>
      )}
      <ProblemAlert error={act.error} />
    </div>
  );
}
