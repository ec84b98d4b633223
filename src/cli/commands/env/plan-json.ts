import type { EnvironmentPlan } from '../../../core/env/plan.js';

/** The plan as `--json` shows it. */
export function planJson(plan: EnvironmentPlan): Record<string, unknown> {
  return {
    name: plan.name,
    exists: plan.exists,
    changes: plan.changes,
    unchanged: plan.unchanged,
    ...(plan.update ? { updateEnvironment: plan.update } : {}),
    ...(Object.keys(plan.tags.set).length || plan.tags.remove.length ? { tags: plan.tags } : {}),
    ...(plan.create ? { createEnvironment: plan.create } : {}),
  };
}
