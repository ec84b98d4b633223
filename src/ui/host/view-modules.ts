/**
 * The ink views, ES modules built apart (dist/views/), imported when one opens. These import()s sit in a
 * module of their own, which the build leaves in a chunk of its own: bin/compile-cache.cjs does not cache
 * a file holding an import() (Node 20 restores cached code without its import callback), and the command
 * path's big chunk stays cached. docs/architecture.md, "Start-up".
 */
export const deployView = () => import('../views/deploy.js');
export const envWaitView = () => import('../views/env-wait.js');
export const triggerView = () => import('../views/trigger.js');
