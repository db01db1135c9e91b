import { actionsFor } from '../../src/executions/actions';

describe('what a caller may do with an execution', () => {
  const awaiting = { status: 'awaiting_approval', startedBy: 'alice' };

  test('when the starter looks at their own production execution, then approve is refused saying another person must, and reject and cancel are offered', () => {
    const actions = actionsFor(awaiting, { name: 'alice', role: 'operator' });
    expect(actions.approve).toEqual({ allowed: false, reason: 'you started it; another person must approve it' });
    expect(actions.reject).toEqual({ allowed: true });
    expect(actions.cancel).toEqual({ allowed: true });
    expect(actions.rerun).toMatchObject({ allowed: false });
  });

  test('when another operator looks at it, then approve is offered; a viewer is offered nothing, and told why', () => {
    expect(actionsFor(awaiting, { name: 'bob', role: 'operator' }).approve).toEqual({ allowed: true });
    const viewer = actionsFor(awaiting, { name: 'vera', role: 'viewer' });
    for (const answer of Object.values(viewer)) expect(answer).toEqual({ allowed: false, reason: 'it needs the operator role' });
  });

  test('when it already ended, then only rerun is offered, and the others say why not', () => {
    const actions = actionsFor({ status: 'failed', startedBy: 'alice' }, { name: 'bob', role: 'admin' });
    expect(actions.rerun).toEqual({ allowed: true });
    expect(actions.cancel).toEqual({ allowed: false, reason: 'it already ended failed' });
    expect(actions.approve).toEqual({ allowed: false, reason: 'it is failed, not awaiting approval' });
  });
});
